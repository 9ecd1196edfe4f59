"""Trust's part in sales' decisions (sales/hooks.py): the checkout guard (blocklists, account
age, per-buyer caps) and the paid gate (a first purchase above the shop's threshold waits for a
person). Both run inside sales' transactions; a refusal raises sales.hooks.Refusal, which
sales writes to the audit log after rolling back, so nothing is reserved or charged."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import formats, timezone

from sales.hooks import CheckoutAttempt, Refusal
from sales.models import Order, OrderStatus
from sales.services.checkout import order_payment
from trust import rules, selectors

_VOID = (OrderStatus.CANCELLED, OrderStatus.EXPIRED)


def checkout_guard(attempt: CheckoutAttempt) -> None:
    customer = attempt.customer
    tenant = customer.tenant
    block = selectors.active_block(tenant=tenant, discord_user_id=customer.discord_user_id,
                                   payer_emails=attempt.payer_emails)
    if block is not None:
        if block.is_platform:
            raise Refusal("buyer_blocked_platform", rule="platform_block",
                          data={"block": block.pk})
        raise Refusal("customer_blocked", rule="shop_block", data={"block": block.pk})
    settings = selectors.trust_settings(tenant=tenant)
    if settings is None:
        return
    _check_age(customer.discord_user_id, settings.min_account_age_days)
    now = timezone.now()
    for label, span, max_orders, max_amount in (
            ("hour", timedelta(hours=1), settings.max_orders_per_hour,
             settings.max_amount_per_hour_cents),
            ("day", timedelta(days=1), settings.max_orders_per_day,
             settings.max_amount_per_day_cents)):
        if max_orders is None and max_amount is None:
            continue
        window = _window(customer, since=now - span)
        cap = rules.over_cap(window, total_cents=attempt.total_cents, max_orders=max_orders,
                             max_amount_cents=max_amount)
        if cap:
            raise Refusal("risk_limit_reached", rule=f"{cap}_per_{label}",
                          data={"orders": window.orders, "amount_cents": window.amount_cents,
                                "total_cents": attempt.total_cents})


def _check_age(discord_user_id: str, min_days: int | None) -> None:
    if not min_days:
        return
    allowed_at = rules.account_old_enough_at(discord_user_id, min_days)
    if allowed_at is None or allowed_at > timezone.now():
        when = formats.date_format(timezone.localtime(allowed_at), "SHORT_DATE_FORMAT") \
            if allowed_at else "—"
        raise Refusal("risk_account_too_new", rule="account_age", date=when,
                      data={"min_days": min_days})


def _payer_email_block(order: Order) -> str | None:
    """A card payer's email is known only once the provider reports the payment (it is typed
    on the checkout page): a payment by a blocked email is held before anything is delivered,
    for the owner to refund; the buyer's next checkout is refused (checkout_guard)."""
    payment = order_payment(order=order)
    email = payment.payer_email if payment is not None else ""
    if not email:
        return None
    block = selectors.active_block(tenant=order.tenant, discord_user_id="", payer_emails=(email,))
    if block is None:
        return None
    # A machine note (OrderEvent.reason); sales.models.OrderEvent.note words it for people.
    return "payer email blocked: manual review"


def _window(customer: Any, *, since) -> rules.Window:
    """The buyer's orders since `since` that still count (cancelled and expired do not)."""
    rows = list(Order.objects.for_tenant(customer.tenant_id)
                .filter(customer=customer, created_at__gte=since)
                .exclude(status__in=_VOID).values_list("total_cents", flat=True))
    return rules.Window(orders=len(rows), amount_cents=sum(rows))


def paid_gate(order: Order) -> str | None:
    """Called right after the order became paid, before its deliveries exist."""
    blocked = _payer_email_block(order)
    if blocked:
        return blocked
    settings = selectors.trust_settings(tenant=order.tenant)
    if settings is None or settings.review_first_purchase_above_cents is None:
        return None
    customer = order.customer
    is_first = customer.first_purchase_at is None
    if not rules.first_purchase_needs_review(
            is_first=is_first, total_cents=order.total_cents,
            threshold_cents=settings.review_first_purchase_above_cents):
        return None
    # A machine note (OrderEvent.reason); sales.models.OrderEvent.note words it for people.
    return f"first purchase above {settings.review_first_purchase_above_cents} cents: manual review"
