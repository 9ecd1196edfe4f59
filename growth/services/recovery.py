"""Abandoned carts: one reminder per cart, N minutes after its last add, maybe with a coupon.

A cart add (sales.signals.cart_item_added) opens or pushes back the cart's CartRecovery; the
beat sweep sends those that are due. Before sending, the worker checks again what may have
changed: the cart was checked out, the buyer paid, opted out (/notificacoes), or the owner
turned reminders off. A reminded buyer who pays within RECOVERY_WINDOW counts as recovered,
with the order's total as recovered revenue.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, override

from catalog.models import Coupon
from catalog.services import coupon_save
from growth.enqueue import after_commit
from growth.models import CartRecovery, EventKind, NotificationOptOut
from growth.services.events import event_record
from growth.services.settings import settings_for
from money import format_money
from sales.fulfillment import discord_rest
from sales.fulfillment.buyer import bot_token
from sales.models import Cart, Customer, Order, OrderStatus
from tenants.due import row_claim, rows_due

RECOVERY_WINDOW = timedelta(days=7)  # a payment this long after the reminder is "recovered"
COUPON_DAYS = 7
SWEEP_BATCH = 200
PAID = (OrderStatus.PAID, OrderStatus.DELIVERING, OrderStatus.DELIVERED,
        OrderStatus.PARTIALLY_DELIVERED, OrderStatus.DELIVERY_FAILED)


def recovery_schedule(cart: Cart) -> None:
    """Called inside the cart add's transaction: (re)start the cart's countdown."""
    config = settings_for(cart.tenant_id)
    if not config.recovery_enabled:
        return
    due = timezone.now() + timedelta(minutes=config.recovery_delay_minutes)
    row, created = CartRecovery.objects.for_tenant(cart.tenant_id).get_or_create(
        tenant_id=cart.tenant_id, cart=cart,
        defaults={"customer_id": cart.customer_id, "due_at": due})
    if created:  # a buyer is reminded of their newest cart only, not of each expired one
        CartRecovery.objects.for_tenant(cart.tenant_id).filter(
            customer_id=cart.customer_id, state=CartRecovery.State.WAITING).exclude(
            pk=row.pk).update(state=CartRecovery.State.SKIPPED, reason="superseded")
    elif row.state == CartRecovery.State.WAITING:
        CartRecovery.objects.for_tenant(cart.tenant_id).filter(
            pk=row.pk, state=CartRecovery.State.WAITING).update(due_at=due)


def recoveries_due(*, limit: int = SWEEP_BATCH) -> list[tuple[int, int]]:
    """(tenant id, recovery id) of reminders whose time has come, for the sweep."""
    return rows_due(CartRecovery, field="due_at", limit=limit, state=CartRecovery.State.WAITING)


def _skip_reason(row: CartRecovery) -> str:
    cart = row.cart
    if not settings_for(row.tenant_id).recovery_enabled:
        return "disabled"
    if cart.status == Cart.Status.CHECKED_OUT:
        return "checked_out"
    if not cart.lines.exists():
        return "empty"
    if NotificationOptOut.objects.for_tenant(row.tenant_id).filter(
            customer_id=row.customer_id).exists():
        return "opted_out"
    if Order.objects.for_tenant(row.tenant_id).filter(
            customer_id=row.customer_id, status__in=PAID, paid_at__gte=row.created_at).exists():
        return "paid"
    return ""


def recovery_send(*, tenant_id: int, recovery_id: int) -> str:
    """Claim the reminder (WAITING -> SENDING, one worker only), check, DM it. Returns the
    outcome: "sent", "skipped:<why>", "failed:<code>", "retry" or "" (someone else has it)."""
    claimed = row_claim(CartRecovery, tenant_id=tenant_id, pk=recovery_id, field="due_at",
                        now=timezone.now(), changes={"state": CartRecovery.State.SENDING},
                        state=CartRecovery.State.WAITING)
    if not claimed:
        return ""
    row = (CartRecovery.objects.for_tenant(tenant_id)
           .select_related("cart", "customer", "tenant").get(pk=recovery_id))
    reason = _skip_reason(row)
    if reason:
        _finish(row, CartRecovery.State.SKIPPED, reason)
        return f"skipped:{reason}"
    coupon = row.coupon or _coupon_for(row)
    try:
        discord_rest.send_dm(token=bot_token(row.tenant), user_id=row.customer.discord_user_id,
                             content=reminder_text(row, coupon))
    except discord_rest.DiscordError as exc:
        if not exc.permanent:
            _finish(row, CartRecovery.State.WAITING, "", coupon=coupon)  # the sweep retries
            return "retry"
        _finish(row, CartRecovery.State.FAILED, f"discord {exc.code}"[:60], coupon=coupon)
        return f"failed:{exc.code}"
    _finish(row, CartRecovery.State.SENT, "", coupon=coupon, sent_at=timezone.now())
    return "sent"


def _finish(row: CartRecovery, state: str, reason: str, **fields: object) -> None:
    CartRecovery.objects.for_tenant(row.tenant_id).filter(pk=row.pk).update(
        state=state, reason=reason, **fields)


def _coupon_for(row: CartRecovery) -> Coupon | None:
    percent = settings_for(row.tenant_id).recovery_coupon_percent
    if not percent:
        return None
    code = f"VOLTE-{secrets.token_hex(3).upper()}"
    return coupon_save(tenant=row.tenant, actor=None, code=code, kind=Coupon.Kind.PERCENT,
                       value=percent, max_uses=1, max_uses_per_customer=1,
                       ends_at=timezone.now() + timedelta(days=COUPON_DAYS))


def reminder_text(row: CartRecovery, coupon: Coupon | None) -> str:
    tenant = row.tenant
    with override(tenant.locale):
        lines = [gettext("You left items in your cart at %(shop)s:") % {"shop": tenant.name}]
        for line in row.cart.lines.select_related("variant__product"):
            lines.append(f"• {line.quantity}x {line.variant.product.name} · {line.variant.label}"
                         f" — {format_money(line.variant.price_cents * line.quantity)}")
        if coupon is not None:
            lines.append(gettext("Use the coupon %(code)s for %(percent)s%% off (valid for "
                                 "%(days)s days, once).")
                         % {"code": f"**{coupon.code}**", "percent": coupon.value,
                            "days": COUPON_DAYS})
        lines.append(gettext("Use /carrinho in the server to finish your purchase. "
                             "To stop these reminders: /notificacoes."))
    return "\n".join(lines)


def recovery_on_paid(order: Order) -> None:
    """Inside the payment's transaction: a reminded buyer who pays is a recovered cart."""
    since = timezone.now() - RECOVERY_WINDOW
    row = (CartRecovery.objects.for_tenant(order.tenant_id).select_for_update()
           .filter(customer_id=order.customer_id, state=CartRecovery.State.SENT,
                   sent_at__gte=since).order_by("-sent_at").first())
    if row is None:
        return
    CartRecovery.objects.for_tenant(order.tenant_id).filter(pk=row.pk).update(
        state=CartRecovery.State.RECOVERED, order=order, recovered_cents=order.total_cents)
    event_record(tenant_id=order.tenant_id, kind=EventKind.RECOVERED,
                 dedupe_key=f"recovered:{order.pk}", order_id=order.pk,
                 customer_id=order.customer_id, amount_cents=order.total_cents,
                 coupon_code=order.coupon_code)


@transaction.atomic
def notifications_set(*, customer: Customer, enabled: bool) -> bool:
    """/notificacoes: True when reminders are on for this buyer after the change."""
    rows = NotificationOptOut.objects.for_tenant(customer.tenant_id).filter(customer=customer)
    if enabled:
        rows.delete()
    else:
        NotificationOptOut.objects.get_or_create(tenant_id=customer.tenant_id, customer=customer)
    return enabled


def notifications_enabled(*, customer: Customer) -> bool:
    return not NotificationOptOut.objects.for_tenant(customer.tenant_id).filter(
        customer=customer).exists()


def recovery_enqueue_due() -> int:
    due = recoveries_due()
    for tenant_id, recovery_id in due:
        after_commit("recovery_send", tenant_id, recovery_id)
    return len(due)
