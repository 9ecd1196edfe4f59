"""Writes for sales (HackSoft-style services), split by topic; import from here."""

from __future__ import annotations

from sales.services.carts import (
    cart_add,
    cart_apply_coupon,
    cart_clear,
    cart_remove,
    cart_remove_coupon,
    cart_set_quantity,
    cart_view,
)
from sales.services.checkout import (
    checkout,
    order_create_from_cart,
    order_payment,
    order_request_payment,
    payment_methods,
)
from sales.services.customers import (
    customer_set_blocked,
    customer_set_cart_thread,
    customer_upsert,
)
from sales.services.orders import (
    on_payment_outcome,
    order_cancel,
    order_expire,
    order_release_hold,
    order_transition,
)
from sales.services.refunds import (
    RefundActor,
    order_refund,
    order_refundable_payment,
    payment_refund_by,
)
from sales.services.sweeps import carts_expire, orders_expire

__all__ = [
    "RefundActor",
    "cart_add",
    "cart_apply_coupon",
    "cart_clear",
    "cart_remove",
    "cart_remove_coupon",
    "cart_set_quantity",
    "cart_view",
    "carts_expire",
    "checkout",
    "customer_set_blocked",
    "customer_set_cart_thread",
    "customer_upsert",
    "on_payment_outcome",
    "order_cancel",
    "order_create_from_cart",
    "order_expire",
    "order_payment",
    "order_refund",
    "order_refundable_payment",
    "order_release_hold",
    "order_request_payment",
    "order_transition",
    "orders_expire",
    "payment_methods",
    "payment_refund_by",
]
