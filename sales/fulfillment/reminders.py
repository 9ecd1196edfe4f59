"""A day before a timed role ends, the buyer gets a DM saying so and how to renew.

Sent at most once per delivery: the worker claims the row by setting `reminded_at` with a
conditional UPDATE, so overlapping sweeps or duplicated tasks never send twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sales.fulfillment import discord_rest
from sales.fulfillment.buyer import bot_token
from sales.models import REVOKED_STATUSES, Delivery

log = logging.getLogger(__name__)

REMIND_BEFORE = timedelta(hours=24)

def _due(now: Any):
    return Delivery.objects.unscoped().filter(
        kind=Delivery.Kind.ROLE, state=Delivery.State.DONE, reminded_at__isnull=True,
        expires_at__gt=now, expires_at__lte=now + REMIND_BEFORE,
    ).exclude(order__status__in=REVOKED_STATUSES)


def role_reminders_due(*, now: Any = None) -> list[tuple[int, int]]:
    """Every (tenant, delivery) whose timed role ends within a day and was not reminded yet."""
    return list(_due(now or timezone.now()).order_by("id").values_list("tenant_id", "pk")[:1000])


def _claim(tenant_id: int, delivery_id: int, now: Any) -> Delivery | None:
    claimed = _due(now).filter(tenant_id=tenant_id, pk=delivery_id).update(reminded_at=now)
    if not claimed:
        return None
    return (Delivery.objects.for_tenant(tenant_id)
            .select_related("order__tenant", "order__customer").get(pk=delivery_id))


def role_reminder_send(*, tenant_id: int, delivery_id: int, now: Any = None) -> str:
    """DM the buyer once; closed DMs are dropped, a transient error frees the claim."""
    now = now or timezone.now()
    delivery = _claim(tenant_id, delivery_id, now)
    if delivery is None:
        return "skipped"
    tenant, user_id = delivery.order.tenant, delivery.order.customer.discord_user_id
    token = bot_token(tenant)
    try:
        with translation.override(tenant.locale or None):
            text = _reminder_text(delivery, token)
        discord_rest.send_dm(token=token, user_id=user_id, content=text)
    except discord_rest.DiscordError as exc:
        if not exc.permanent:  # the next sweep tries again
            Delivery.objects.for_tenant(tenant_id).filter(pk=delivery_id).update(
                reminded_at=None)
            return "retry"
        log.info("role_reminder.undeliverable delivery=%s code=%s", delivery_id, exc.code)
        return "failed"
    return "done"


def _reminder_text(delivery: Delivery, token: str) -> str:
    tenant = delivery.order.tenant
    name = None
    if tenant.discord_guild_id:
        name = discord_rest.role_name(token=token, guild_id=tenant.discord_guild_id,
                                      role_id=delivery.role_id)
    ends = f"<t:{int(delivery.expires_at.timestamp())}:R>"
    if name:
        return _("Your role “%(role)s” in %(shop)s ends %(when)s. To keep it, renew with "
                 "/loja.") % {"role": name, "shop": tenant.name, "when": ends}
    return _("Your role in %(shop)s ends %(when)s. To keep it, renew with /loja.") % {
        "shop": tenant.name, "when": ends}
