"""What the SMM app tells people and queues after a commit: the owner's low-balance e-mail,
and the refund / cancel tasks (reached through Celery's registry: tasks import services,
never the reverse)."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


def _task(name: str) -> Any:
    return current_app.tasks[f"smm.tasks.{name}"]


def _safely(name: str, *args: Any) -> None:
    try:
        _task(name).delay(*args)
    except Exception:  # the due-time sweeper runs what a lost enqueue left behind
        log.warning("smm: could not enqueue %s; the sweeper will", name, exc_info=True)


def enqueue_refund(tenant_id: int, panel_order_id: int) -> None:
    _safely("refund", tenant_id, panel_order_id)


def enqueue_balance(tenant_id: int) -> None:
    _safely("balance", tenant_id)


def enqueue_cancel(tenant_id: int, ids: list[int]) -> None:
    _safely("cancel", tenant_id, ids)


def balance_low(*, panel: Any, balance: Decimal, currency: str) -> None:
    """E-mail the shop owner (their language) after the commit; the portal shows it too."""
    tenant = panel.tenant
    owner = tenant.owner
    if not owner.email:
        return
    with translation.override(owner.preferred_language or tenant.locale
                              or settings.LANGUAGE_CODE):
        subject = _("Your SMM panel balance is low (%(shop)s)") % {"shop": tenant.name}
        body = _("The balance of your SMM panel is %(balance)s %(currency)s, below your alert "
                 "of %(threshold)s. Top it up so new orders are not refused.\n\n%(url)s") % {
            "balance": balance, "currency": currency, "threshold": panel.balance_alert_below,
            "url": _settings_url(tenant)}
    transaction.on_commit(lambda: send_mail(subject, body, None, [owner.email],
                                            fail_silently=True))


def _settings_url(tenant: Any) -> str:
    try:
        return settings.PUBLIC_URL + reverse("portal:smm_panel", args=[tenant.slug])
    except NoReverseMatch:
        return settings.PUBLIC_URL
