"""Beat sweeps: cross-tenant by name (`.unscoped()`), one small transaction per row."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from sales.models import Cart, Order
from sales.models import OrderStatus as S
from sales.services.orders import order_expire

# A payment notice can arrive a little after the window; payments' own expiry usually wins.
ORDER_EXPIRY_GRACE = timedelta(minutes=2)


def carts_expire() -> int:
    return Cart.objects.unscoped().filter(
        status=Cart.Status.OPEN, expires_at__lte=timezone.now()
    ).update(status=Cart.Status.EXPIRED, updated_at=timezone.now())


def orders_expire(*, limit: int = 500) -> int:
    cutoff = timezone.now() - ORDER_EXPIRY_GRACE
    due = (Order.objects.unscoped().filter(status=S.PENDING_PAYMENT,
                                           payment_expires_at__lte=cutoff)
           .order_by("payment_expires_at")[:limit])
    return sum(1 for order in due if order_expire(order=order))
