"""Growth's receivers of sales.signals (connected in GrowthConfig.ready()).

Each runs inside the sales transaction that sent it, writes its rows there (so they commit or
roll back with the sale) and leaves Discord work to tasks enqueued on commit. All idempotent:
events carry dedupe keys, feed items and role grants are one per order / buyer.
"""

from __future__ import annotations

from typing import Any

from growth.models import EventKind
from growth.services import events, feed, recovery, roles


def on_cart_item_added(sender: Any, *, cart: Any, variant: Any, quantity: int,
                       **_kw: Any) -> None:
    events.event_record(tenant_id=cart.tenant_id, kind=EventKind.CART_ADD,
                        product_id=variant.product_id, customer_id=cart.customer_id,
                        quantity=quantity, amount_cents=variant.price_cents * quantity)
    recovery.recovery_schedule(cart)


def on_order_created(sender: Any, *, order: Any, **_kw: Any) -> None:
    events.event_record(tenant_id=order.tenant_id, kind=EventKind.CHECKOUT,
                        dedupe_key=f"checkout:{order.pk}", order_id=order.pk,
                        customer_id=order.customer_id, amount_cents=order.total_cents,
                        coupon_code=order.coupon_code)


def on_order_paid(sender: Any, *, order: Any, **_kw: Any) -> None:
    events.order_paid_record(order)
    recovery.recovery_on_paid(order)
    feed.feed_on_paid(order)
    roles.role_on_paid(order)


def on_order_revoked(sender: Any, *, order: Any, **_kw: Any) -> None:
    roles.role_on_revoked(order)
