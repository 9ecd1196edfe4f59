"""The DMs members get: the shop's own templates when set, else ours, in the shop's language.

Templates take {name}, {tier}, {amount}, {date}, {link} and {pix_code}; unknown or broken
placeholders are left as written rather than failing the reminder.
"""

from __future__ import annotations

import string
from datetime import datetime

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from memberships.models import Member, MembershipSettings
from money import format_money

PLACEHOLDERS = ("name", "tier", "amount", "date", "link", "pix_code")


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(template: str, values: dict[str, str]) -> str:
    try:
        return string.Formatter().vformat(template, (), _Keep(values))
    except (ValueError, IndexError, AttributeError):
        return template


def _date(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return formats.date_format(timezone.localtime(moment), "SHORT_DATE_FORMAT")


def _values(member: Member, payment=None, amount_cents: int | None = None) -> dict[str, str]:
    values = {"name": member.customer.display_name or "", "tier": member.tier.name,
              "date": _date(member.current_period_end),
              "amount": format_money(amount_cents if amount_cents is not None
                                     else member.tier.price_cents, member.tier.currency),
              "link": "", "pix_code": ""}
    if payment is not None:
        info = payment.instructions()
        values["link"] = settings.PUBLIC_URL + info.page_url
        values["pix_code"] = info.pix_code
    return values


def _payment_block(values: dict[str, str], qr_url: str) -> str:
    lines = []
    if values["pix_code"]:
        lines += [_("PIX copy-paste code:"), f"```{values['pix_code']}```"]
    if qr_url:
        lines.append(_("QR code: %(url)s") % {"url": qr_url})
    if values["link"]:
        lines.append(_("Payment page: %(url)s") % {"url": values["link"]})
    return "\n".join(lines)


def _qr(payment) -> str:
    if payment is None or not payment.pix_code:
        return ""
    return settings.PUBLIC_URL + payment.instructions().qr_image_url


def reminder(member: Member, conf: MembershipSettings, payment) -> str:
    with translation.override(member.tenant.locale or settings.LANGUAGE_CODE):
        values = _values(member, payment, payment.amount_cents if payment else None)
        head = render(conf.template_reminder, values) if conf.template_reminder else _(
            "Your {tier} membership renews on {date}. Pay {amount} by PIX to keep your role."
        ).format_map(_Keep(values))
        return "\n\n".join(p for p in (head, _payment_block(values, _qr(payment))) if p)


def dunning(member: Member, conf: MembershipSettings, payment, n: int) -> str:
    with translation.override(member.tenant.locale or settings.LANGUAGE_CODE):
        values = _values(member, payment, payment.amount_cents if payment else None)
        values["date"] = _date(member.grace_ends_at)
        head = render(conf.template_dunning, values) if conf.template_dunning else _(
            "Your {tier} membership payment is overdue. Pay {amount} by {date} or your "
            "role will be removed."
        ).format_map(_Keep(values))
        note = _("Reminder %(n)d of %(total)d.") % {"n": n, "total": conf.dunning_max}
        return "\n\n".join(p for p in (head, _payment_block(values, _qr(payment)), note) if p)


def ended(member: Member, conf: MembershipSettings) -> str:
    with translation.override(member.tenant.locale or settings.LANGUAGE_CODE):
        values = _values(member)
        if conf.template_ended:
            return render(conf.template_ended, values)
        return _("Your {tier} membership has ended and its role was removed. Use /assinar "
                 "to subscribe again.").format_map(_Keep(values))


def paid(member: Member) -> str:
    with translation.override(member.tenant.locale or settings.LANGUAGE_CODE):
        return _("Payment received: your {tier} membership runs until {date}.").format_map(
            _Keep(_values(member)))


def first_charge(member: Member, payment) -> str:
    with translation.override(member.tenant.locale or settings.LANGUAGE_CODE):
        values = _values(member, payment, payment.amount_cents)
        head = _("Pay {amount} to start your {tier} membership.").format_map(_Keep(values))
        return "\n\n".join(p for p in (head, _payment_block(values, _qr(payment))) if p)
