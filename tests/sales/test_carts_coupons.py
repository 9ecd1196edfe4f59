"""Carts and coupons: every bad input gets its code and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from catalog.models import Coupon
from sales import services
from sales.errors import SalesError
from sales.models import Cart, CartLine, Order
from tests.sales import factories as f


@pytest.fixture
def ctx(shop, other_shop):
    prod = f.product(shop.tenant)
    v = f.variant(prod, keys=3)
    other_v = f.variant(f.product(other_shop.tenant), keys=3)
    return prod, v, other_v, f.customer(shop.tenant)


def _code(fn, **kw) -> str:
    with pytest.raises(SalesError) as err:
        fn(**kw)
    return err.value.code


@pytest.mark.parametrize("qty", [0, -1, 101, 10**12, "2", 1.5, True, None])
def test_bad_quantities(ctx, qty):
    _p, v, _o, buyer = ctx
    assert _code(services.cart_add, customer=buyer, variant_id=v.pk,
                 quantity=qty) == "quantity_invalid"
    assert not CartLine.objects.for_tenant(buyer.tenant).exists()


def test_unknown_inactive_and_foreign_variants(ctx):
    prod, v, other_v, buyer = ctx
    assert _code(services.cart_add, customer=buyer, variant_id=10**9) == "variant_not_found"
    assert _code(services.cart_add, customer=buyer, variant_id=other_v.pk) == "variant_not_found"
    prod.is_active = False
    prod.save()
    assert _code(services.cart_add, customer=buyer, variant_id=v.pk) == "variant_unavailable"
    assert not Cart.objects.for_tenant(buyer.tenant).exists()


def test_add_merges_lines_and_checks_stock(ctx):
    _p, v, _o, buyer = ctx
    services.cart_add(customer=buyer, variant_id=v.pk, quantity=2)
    assert _code(services.cart_add, customer=buyer, variant_id=v.pk,
                 quantity=2) == "out_of_stock"
    services.cart_set_quantity(customer=buyer, variant_id=v.pk, quantity=3)
    assert CartLine.objects.for_tenant(buyer.tenant).get().quantity == 3
    services.cart_remove(customer=buyer, variant_id=v.pk)
    assert _code(services.cart_remove, customer=buyer, variant_id=v.pk) == "line_not_found"


def test_blocked_customer_cannot_touch_the_cart(ctx):
    _p, v, _o, buyer = ctx
    services.customer_set_blocked(customer=buyer, actor=None, blocked=True)
    assert _code(services.cart_add, customer=buyer, variant_id=v.pk) == "customer_blocked"
    assert _code(services.cart_apply_coupon, customer=buyer, code="X") == "customer_blocked"


def test_cart_expires_after_inactivity_and_the_sweep_closes_it(ctx):
    _p, v, _o, buyer = ctx
    services.cart_add(customer=buyer, variant_id=v.pk)
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert services.cart_view(customer=buyer).cart is None
        assert services.carts_expire() == 1
        services.cart_add(customer=buyer, variant_id=v.pk)
    assert Cart.objects.for_tenant(buyer.tenant).filter(status="open").count() == 1


def test_per_tenant_cart_ttl(ctx):
    _p, v, _o, buyer = ctx
    buyer.tenant.settings = {"cart_ttl_minutes": 30}
    buyer.tenant.save()
    cart = services.cart_add(customer=buyer, variant_id=v.pk)
    assert cart.expires_at - timezone.now() > timedelta(minutes=29)


def test_order_sweep_expires_pending_orders_and_releases_stock(ctx):
    _p, v, _o, buyer = ctx
    services.cart_add(customer=buyer, variant_id=v.pk, quantity=3)
    order = services.order_create_from_cart(customer=buyer)
    assert services.orders_expire() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=40)):
        assert services.orders_expire() == 1
    order.refresh_from_db()
    assert order.status == "expired"
    services.cart_add(customer=buyer, variant_id=v.pk, quantity=3)


def test_percent_and_fixed_coupons_case_insensitive(ctx):
    _p, v, _o, buyer = ctx
    f.coupon(buyer.tenant, code="Promo10")
    services.cart_add(customer=buyer, variant_id=v.pk, quantity=2)
    services.cart_apply_coupon(customer=buyer, code="  pRoMo10 ")
    order = services.order_create_from_cart(customer=buyer)
    assert (order.subtotal_cents, order.discount_cents, order.total_cents) == (3980, 398, 3582)
    assert order.coupon_code == "PROMO10"


def test_fixed_coupon_never_makes_an_order_free(ctx):
    _p, v, _o, buyer = ctx
    f.coupon(buyer.tenant, code="BIG", kind=Coupon.Kind.FIXED, value=10**6)
    services.cart_add(customer=buyer, variant_id=v.pk)
    services.cart_apply_coupon(customer=buyer, code="big")
    assert services.order_create_from_cart(customer=buyer).total_cents == 1


@pytest.mark.parametrize("extra,code", [
    ({"is_active": False}, "coupon_inactive"),
    ({"ends_at": timezone.now() - timedelta(days=1)}, "coupon_expired"),
    ({"starts_at": timezone.now() + timedelta(days=1)}, "coupon_not_started"),
    ({"min_order_cents": 5000}, "coupon_min_order"),
])
def test_coupon_refusals(ctx, extra, code):
    _p, v, _o, buyer = ctx
    f.coupon(buyer.tenant, code="C1", **extra)
    services.cart_add(customer=buyer, variant_id=v.pk)
    assert _code(services.cart_apply_coupon, customer=buyer, code="c1") == code
    assert services.cart_view(customer=buyer).cart.coupon is None


def test_wrong_product_and_foreign_coupons(ctx, other_shop):
    _prod, v, _o, buyer = ctx
    other_prod = f.product(buyer.tenant, name="Outro")
    c = f.coupon(buyer.tenant, code="ONLY")
    c.products.set([other_prod])
    f.coupon(other_shop.tenant, code="THEIRS")
    services.cart_add(customer=buyer, variant_id=v.pk)
    assert _code(services.cart_apply_coupon, customer=buyer,
                 code="only") == "coupon_not_applicable"
    assert _code(services.cart_apply_coupon, customer=buyer,
                 code="theirs") == "coupon_not_found"


def test_coupon_use_limits(ctx, shop):
    _p, v, _o, buyer = ctx
    second = f.customer(shop.tenant, discord_user_id="222")
    f.coupon(buyer.tenant, code="ONCE", max_uses_per_customer=1, max_uses=2)
    services.cart_add(customer=buyer, variant_id=v.pk)
    services.cart_apply_coupon(customer=buyer, code="once")
    services.order_create_from_cart(customer=buyer)
    services.cart_add(customer=buyer, variant_id=v.pk)
    assert _code(services.cart_apply_coupon, customer=buyer,
                 code="once") == "coupon_customer_limit"
    services.cart_add(customer=second, variant_id=v.pk)
    services.cart_apply_coupon(customer=second, code="once")
    services.order_create_from_cart(customer=second)
    third = f.customer(shop.tenant, discord_user_id="333")
    services.cart_add(customer=third, variant_id=v.pk)
    assert _code(services.cart_apply_coupon, customer=third, code="once") == "coupon_exhausted"
    assert Order.objects.for_tenant(shop.tenant).count() == 2


def test_coupon_exhausted_between_apply_and_checkout(ctx, shop):
    _p, v, _o, buyer = ctx
    second = f.customer(shop.tenant, discord_user_id="222")
    f.coupon(buyer.tenant, code="ONE", max_uses=1)
    for b in (buyer, second):
        services.cart_add(customer=b, variant_id=v.pk)
        services.cart_apply_coupon(customer=b, code="one")
    services.order_create_from_cart(customer=buyer)
    assert _code(services.order_create_from_cart, customer=second) == "coupon_exhausted"
