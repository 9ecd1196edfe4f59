"""Billing emails to the shop owner, in the owner's language, sent after the commit."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from tenants.models import Subscription


def _plan_url(sub: Subscription) -> str:
    try:
        return settings.PUBLIC_URL + reverse("portal:plan", args=[sub.tenant.slug])
    except NoReverseMatch:
        return settings.PUBLIC_URL


def _send(sub: Subscription, subject: str, body: str) -> None:
    owner = sub.tenant.owner
    if not owner.email:
        return
    transaction.on_commit(lambda: send_mail(subject, body, None, [owner.email],
                                            fail_silently=True))


def _language(sub: Subscription) -> str:
    return sub.tenant.owner.preferred_language or sub.tenant.locale or settings.LANGUAGE_CODE


def reminder(*, subscription: Subscription, days: int) -> None:
    sub = subscription
    with translation.override(_language(sub)):
        end = formats.date_format(sub.current_period_end, "SHORT_DATE_FORMAT")
        subject = (_("Your Vitrine plan for %(shop)s ends tomorrow") if days == 1
                   else _("Your Vitrine plan for %(shop)s ends in 3 days")) % {
            "shop": sub.tenant.name}
        body = _("Your plan ends on %(date)s. Renew it with PIX on the Plan page to keep your "
                 "bot running: %(url)s") % {"date": end, "url": _plan_url(sub)}
    _send(sub, subject, body)


def expired(*, subscription: Subscription) -> None:
    sub = subscription
    with translation.override(_language(sub)):
        subject = _("Your Vitrine plan for %(shop)s has expired") % {"shop": sub.tenant.name}
        body = _("Pay within %(days)d days to keep your shop open; after that the bot stops "
                 "and the portal becomes read-only. Pay here: %(url)s") % {
            "days": int(getattr(settings, "BILLING_GRACE_DAYS", 2)), "url": _plan_url(sub)}
    _send(sub, subject, body)


def suspended(*, subscription: Subscription) -> None:
    sub = subscription
    with translation.override(_language(sub)):
        subject = _("%(shop)s is suspended") % {"shop": sub.tenant.name}
        body = _("Your bot was stopped and the portal is read-only; your data is kept. Pay the "
                 "plan to resume everything at once: %(url)s") % {"url": _plan_url(sub)}
    _send(sub, subject, body)
