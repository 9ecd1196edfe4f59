"""Orders sold elsewhere and delivered by Vitrine (the public API's POST /orders/): a shop that
sells on its own site sends the buyer and the items; the order is created already paid (the
money was taken elsewhere, so nothing is posted to the wallet) and delivered as any other."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from catalog import stock
from sales import pricing
from sales.errors import SalesError
from sales.models import Order, OrderEvent, OrderLine
from sales.models import OrderStatus as S
from sales.services.carts import MAX_LINES, _check_quantity, _sellable_variant, answers_for
from sales.services.customers import customer_upsert
from sales.services.orders import _mark_paid
from tenants.models import Tenant
from tenants.quotas import QuotaExceeded, quota_check, usage_record

PAID_ELSEWHERE = "external"


@dataclass(frozen=True)
class Item:
    variant_id: int
    quantity: int = 1
    answers: dict[str, str] = field(default_factory=dict)


@transaction.atomic
def order_create_paid_elsewhere(*, tenant: Tenant, discord_user_id: str, display_name: str,
                                items: list[Item], reference: str = "") -> Order:
    """Raises SalesError (variant_not_found, variant_unavailable, quantity_invalid,
    field_invalid, out_of_stock, cart_too_large, plan_limit_reached) with nothing created."""
    if not items or len(items) > MAX_LINES:
        raise SalesError("cart_too_large", max=MAX_LINES)
    customer = customer_upsert(tenant=tenant, discord_user_id=discord_user_id,
                               display_name=display_name)
    if customer.is_blocked:
        raise SalesError("customer_blocked")
    chosen, answers = [], {}
    for item in items:
        variant = _sellable_variant(tenant, item.variant_id)
        if variant.pk in answers:
            raise SalesError("invalid_request")
        answers[variant.pk] = answers_for(variant=variant, answers=item.answers)
        chosen.append((variant, _check_quantity(item.quantity)))
    try:
        quota_check(tenant=tenant, quota="orders_per_month")
    except QuotaExceeded:
        raise SalesError("plan_limit_reached") from None
    priced = pricing.price(items=chosen, coupon=None)
    order = Order.objects.create(
        tenant=tenant, customer=customer, subtotal_cents=priced.subtotal_cents,
        discount_cents=0, total_cents=priced.total_cents, currency=tenant.currency,
        payment_method=PAID_ELSEWHERE, payment_expires_at=timezone.now())
    OrderLine.objects.bulk_create([
        OrderLine(tenant=tenant, order=order, variant=pl.variant,
                  product_name=pl.variant.product.name, variant_label=pl.variant.label,
                  unit_price_cents=pl.unit_price_cents, quantity=pl.quantity,
                  discount_cents=0, line_total_cents=pl.total_cents,
                  fulfillment=pl.variant.fulfillment, role_id=pl.variant.role_id,
                  duration_days=pl.variant.duration_days, answers=answers[pl.variant.pk])
        for pl in priced.lines])
    wants = {v.pk: q for v, q in chosen if v.uses_stock}
    got = stock.reserve(tenant=tenant, order_ref=order.pk, wants=wants)
    for variant, quantity in chosen:
        if variant.pk in wants and got.get(variant.pk, 0) < quantity:
            raise SalesError("out_of_stock", item=str(variant), available=got.get(variant.pk, 0))
    OrderEvent.objects.create(tenant=tenant, order=order, actor="api", to_status=S.PENDING_PAYMENT,
                              reason=f"public API order {reference}"[:200])
    usage_record(tenant=tenant, metric="orders_per_month")
    # No order_created: its receivers expect a cart. order_paid is sent by _mark_paid.
    _mark_paid(order, reason="paid elsewhere (public API)")
    return order
