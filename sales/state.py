"""The order state machine: which status may follow which, and the one way to move an order.

It imports only models, so every layer of sales (checkout, the payment-outcome workflow in
services/orders.py, fulfillment) can move an order without importing the others. Every
transition is a conditional UPDATE (`WHERE status = <from>`) with a row-count check and an
OrderEvent, so replays and races end in one state with one set of side effects.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from sales.models import Order, OrderEvent
from sales.models import OrderStatus as S

AFTER_PAYMENT = {S.PAID, S.ON_HOLD, S.DELIVERING, S.DELIVERED, S.PARTIALLY_DELIVERED,
                 S.DELIVERY_FAILED}
DELIVERY_OUTCOMES = {S.DELIVERING, S.DELIVERED, S.PARTIALLY_DELIVERED, S.DELIVERY_FAILED}

TRANSITIONS: dict[str, set[str]] = {
    S.PENDING_PAYMENT: {S.PAID, S.CANCELLED, S.EXPIRED},
    S.PAID: DELIVERY_OUTCOMES | {S.ON_HOLD, S.REFUNDED, S.CHARGED_BACK},
    # Held by a paid gate: released (back to paid, deliveries created) or refunded.
    S.ON_HOLD: {S.PAID, S.REFUNDED, S.CHARGED_BACK},
    S.DELIVERING: DELIVERY_OUTCOMES - {S.DELIVERING} | {S.REFUNDED, S.CHARGED_BACK},
    S.DELIVERED: {S.REFUNDED, S.CHARGED_BACK},
    S.PARTIALLY_DELIVERED: {S.DELIVERING, S.DELIVERED, S.REFUNDED, S.CHARGED_BACK},
    S.DELIVERY_FAILED: {S.DELIVERING, S.REFUNDED, S.CHARGED_BACK},
    # A payment approved after the order expired or was cancelled (late PIX).
    S.CANCELLED: {S.PAID},
    S.EXPIRED: {S.PAID},
    S.REFUNDED: {S.CHARGED_BACK},
    S.CHARGED_BACK: set(),
}


class TransitionError(ValueError):
    pass


@transaction.atomic
def order_transition(*, order: Order, to: str, actor: str, reason: str = "",
                     actor_user: Any = None, **fields: Any) -> bool:
    """Move `order` from its loaded status to `to`; False if someone else moved it first."""
    before = order.status
    if to not in TRANSITIONS[before]:
        raise TransitionError(f"order {order.code}: {before} -> {to} is not allowed")
    moved = Order.objects.for_tenant(order.tenant_id).filter(pk=order.pk, status=before).update(
        status=to, updated_at=timezone.now(), **fields)
    if not moved:
        return False
    order.status = to
    for name, value in fields.items():
        setattr(order, name, value)
    OrderEvent.objects.create(tenant_id=order.tenant_id, order=order, actor=actor,
                              actor_user=actor_user, from_status=before, to_status=to,
                              reason=reason[:200])
    return True
