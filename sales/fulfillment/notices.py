"""Staff notices in the shop's Discord log channel: new sales, failed deliveries, low stock.

Best effort by design: a notice never blocks or fails a sale. It is enqueued after the commit
that caused it, written in the shop's language, and dropped (logged) when Discord says it can
never pass (channel deleted, no access); only transient errors are retried by the task.
Notices never carry what was delivered (keys, links): only codes, names and amounts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from catalog.models import Variant
from money import format_money
from sales.fulfillment import discord_rest
from sales.fulfillment.buyer import bot_token
from sales.fulfillment.enqueue import task
from sales.models import Delivery, Order, OrderLine
from tenants.models import Tenant

log = logging.getLogger(__name__)

SALE, FAILURE, LOW_STOCK = "sale", "failure", "low_stock"
# tenant.settings key of each kind's on/off switch (absent means on).
TOGGLES = {SALE: "notify_sales", FAILURE: "notify_failures", LOW_STOCK: "notify_low_stock"}


def log_channel(tenant: Tenant, kind: str) -> str:
    """The channel this kind of notice goes to, or "" when the shop does not want it."""
    options = tenant.settings or {}
    if not options.get(TOGGLES[kind], True):
        return ""
    return str(options.get("log_channel_id") or "")


# -- enqueue (inside the transaction that caused the notice) --------------------------------

def _enqueue(tenant: Tenant, kind: str, ref_id: int, data: dict[str, Any] | None = None) -> None:
    if not log_channel(tenant, kind):
        return  # no channel or switched off: not even a task
    tenant_id = tenant.pk

    def send() -> None:
        try:
            task("deliver_staff_notice").delay(tenant_id, kind, ref_id, data)
        except Exception:  # a broker hiccup must never surface in a sale
            log.warning("staff_notice.enqueue_failed kind=%s", kind, exc_info=True)

    transaction.on_commit(send)


def enqueue_sale(order: Order) -> None:
    _enqueue(order.tenant, SALE, order.pk)


def enqueue_failure(delivery: Delivery) -> None:
    _enqueue(delivery.order.tenant, FAILURE, delivery.pk)


def enqueue_low_stock(tenant: Tenant, variant: Variant, *, available: int,
                      threshold: int) -> None:
    _enqueue(tenant, LOW_STOCK, variant.pk, {"available": available, "threshold": threshold})


# -- texts (called under the shop's language) -----------------------------------------------

def _sale_text(tenant: Tenant, order_id: int, data: dict[str, Any]) -> str | None:
    order = (Order.objects.for_tenant(tenant).select_related("customer")
             .filter(pk=order_id).first())
    if order is None:
        return None
    lines = OrderLine.objects.for_tenant(tenant).filter(order=order)
    head = _("🛒 New sale #%(code)s by %(buyer)s: %(total)s") % {
        "code": order.code, "buyer": f"<@{order.customer.discord_user_id}>",
        "total": format_money(order.total_cents)}
    return "\n".join([head] + [
        f"• {line.quantity}x {line.product_name} · {line.variant_label} — "
        f"{format_money(line.line_total_cents)}" for line in lines])


def _failure_text(tenant: Tenant, delivery_id: int, data: dict[str, Any]) -> str | None:
    delivery = (Delivery.objects.for_tenant(tenant).select_related("order__customer")
                .filter(pk=delivery_id).first())
    if delivery is None or delivery.state != Delivery.State.FAILED:
        return None  # retried and delivered meanwhile: nothing to tell
    order = delivery.order
    return _("⚠️ Delivery failed for order #%(code)s (%(buyer)s, %(kind)s): %(reason)s") % {
        "code": order.code, "buyer": f"<@{order.customer.discord_user_id}>",
        "kind": delivery.get_kind_display(), "reason": delivery.last_error}


def _low_stock_text(tenant: Tenant, variant_id: int, data: dict[str, Any]) -> str | None:
    variant = (Variant.objects.for_tenant(tenant).select_related("product")
               .filter(pk=variant_id).first())
    if variant is None:
        return None
    return _("📉 Low stock: %(product)s · %(variant)s has %(available)s left (alert at "
             "%(threshold)s).") % {
        "product": variant.product.name, "variant": variant.label,
        "available": data.get("available", 0), "threshold": data.get("threshold", 0)}


TEXTS: dict[str, Callable[[Tenant, int, dict[str, Any]], str | None]] = {
    SALE: _sale_text, FAILURE: _failure_text, LOW_STOCK: _low_stock_text}


# -- send (the task) ------------------------------------------------------------------------

def staff_notice_send(*, tenant_id: int, kind: str, ref_id: int,
                      data: dict[str, Any] | None = None) -> str:
    """Post one notice; raises DiscordError only when retrying may help."""
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    channel_id = log_channel(tenant, kind) if tenant is not None and kind in TEXTS else ""
    token = bot_token(tenant) if channel_id else ""
    if not token:
        return "skipped"  # settings changed since, or no bot to speak with
    with translation.override(tenant.locale or None):
        text = TEXTS[kind](tenant, ref_id, data or {})
    if text is None:
        return "skipped"
    try:
        discord_rest.send_message(token=token, channel_id=channel_id, content=text)
    except discord_rest.DiscordError as exc:
        if exc.permanent:  # deleted channel, no access: retrying would fail forever
            log.info("staff_notice.undeliverable tenant=%s kind=%s code=%s", tenant_id, kind,
                     exc.code)
            return "failed"
        raise
    return "done"
