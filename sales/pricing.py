"""Prices, computed on the server only, in integer centavos."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q

from catalog.models import Coupon, Variant
from money import format_money
from sales.errors import SalesError
from sales.models import Customer, Order, OrderStatus

# Orders that no longer count against a coupon's limits.
_VOID = [OrderStatus.CANCELLED, OrderStatus.EXPIRED]


@dataclass
class PricedLine:
    variant: Variant
    quantity: int
    unit_price_cents: int
    discount_cents: int = 0

    @property
    def gross_cents(self) -> int:
        return self.unit_price_cents * self.quantity

    @property
    def total_cents(self) -> int:
        return self.gross_cents - self.discount_cents


@dataclass
class Pricing:
    lines: list[PricedLine] = field(default_factory=list)
    coupon: Coupon | None = None
    eligible_lines: int = 0

    @property
    def subtotal_cents(self) -> int:
        return sum(line.gross_cents for line in self.lines)

    @property
    def discount_cents(self) -> int:
        return sum(line.discount_cents for line in self.lines)

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents - self.discount_cents


def _eligible(coupon: Coupon, variant: Variant, product_ids: set[int],
              variant_ids: set[int]) -> bool:
    if not product_ids and not variant_ids:
        return True
    return variant.product_id in product_ids or variant.pk in variant_ids


def unit_price(variant: Variant, *, currency: str | None, shop_currency: str) -> int:
    """The variant's price in `currency` (the shop's when None); refused when it has none."""
    if currency is None or currency == shop_currency:
        return variant.price_cents
    cents = variant.price_in(currency, shop_currency=shop_currency)
    if cents is None:
        raise SalesError("currency_not_priced", item=str(variant), currency=currency)
    return cents


def price(*, items: Iterable[tuple[Variant, int]], coupon: Coupon | None,
          currency: str | None = None, shop_currency: str = "BRL") -> Pricing:
    """Lines at today's prices in one currency (the shop's unless `currency` says another:
    every line in it, or refused), with the coupon's discount spread over its eligible lines.
    A cart never mixes currencies."""
    pricing = Pricing(lines=[PricedLine(variant=v, quantity=q, unit_price_cents=unit_price(
        v, currency=currency, shop_currency=shop_currency)) for v, q in items], coupon=coupon)
    if coupon is None:
        return pricing
    if currency not in (None, shop_currency) and (coupon.kind != Coupon.Kind.PERCENT
                                                  or coupon.min_order_cents):
        # Its amount and minimum are in the shop's currency: never applied to another's.
        raise SalesError("coupon_currency", currency=shop_currency)
    product_ids = {p.pk for p in coupon.products.all()}
    variant_ids = {v.pk for v in coupon.variants.all()}
    eligible = [ln for ln in pricing.lines if _eligible(coupon, ln.variant, product_ids,
                                                         variant_ids)]
    pricing.eligible_lines = len(eligible)
    base = sum(ln.gross_cents for ln in eligible)
    if coupon.kind == Coupon.Kind.PERCENT:
        discount = base * coupon.value // 100
    else:
        discount = min(coupon.value, base)
    # Payments need a positive amount: a coupon never makes an order free.
    discount = max(0, min(discount, pricing.subtotal_cents - 1))
    remaining = discount
    for index, line in enumerate(eligible):
        share = remaining if index == len(eligible) - 1 else discount * line.gross_cents // base
        share = min(share, line.gross_cents)
        line.discount_cents = share
        remaining -= share
    return pricing


def coupon_check(*, coupon: Coupon, customer: Customer, pricing: Pricing,
                 now: datetime) -> None:
    """Raise the SalesError that says why the coupon cannot be used on this cart."""
    if not coupon.is_active:
        raise SalesError("coupon_inactive")
    if coupon.starts_at and coupon.starts_at > now:
        raise SalesError("coupon_not_started")
    if coupon.ends_at and coupon.ends_at <= now:
        raise SalesError("coupon_expired")
    if coupon.max_uses is not None or coupon.max_uses_per_customer is not None:
        counted = Order.objects.for_tenant(coupon.tenant_id).filter(coupon=coupon).exclude(
            status__in=_VOID).aggregate(
            total=_count(), mine=_count(Q(customer=customer)))
        if coupon.max_uses is not None and counted["total"] >= coupon.max_uses:
            raise SalesError("coupon_exhausted")
        limit = coupon.max_uses_per_customer
        if limit is not None and counted["mine"] >= limit:
            raise SalesError("coupon_customer_limit")
    if pricing.lines and pricing.eligible_lines == 0:
        raise SalesError("coupon_not_applicable")
    if pricing.subtotal_cents < coupon.min_order_cents:
        raise SalesError("coupon_min_order", minimum=format_money(coupon.min_order_cents))


def _count(condition: Q | None = None):
    from django.db.models import Count

    return Count("id", filter=condition)
