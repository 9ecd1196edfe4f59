"""Checkout: server-side prices, atomic reservation, payment after commit, bad input."""

from __future__ import annotations

import pytest

from catalog.models import StockItem
from payments.models import Payment
from payments.registry import Outcome, dispatch
from sales import services
from sales.errors import SalesError
from sales.models import Cart, Delivery, Order, OrderEvent
from tests.sales import factories as f


@pytest.fixture
def setup(shop):
    prod = f.product(shop.tenant)
    v = f.variant(prod, keys=5)
    buyer = f.customer(shop.tenant)
    return prod, v, buyer


def test_checkout_reserves_stock_and_creates_a_pix_payment(setup, mp):
    _prod, v, buyer = setup
    services.cart_add(customer=buyer, variant_id=v.pk, quantity=2)
    result = services.checkout(customer=buyer)
    order = result.order
    assert order.status == Order.Status.PENDING_PAYMENT
    assert (order.subtotal_cents, order.discount_cents, order.total_cents) == (3980, 0, 3980)
    line = order.lines.get()
    assert (line.product_name, line.variant_label, line.unit_price_cents) == (
        "Chave Premium", "30 dias", 1990)
    reserved = StockItem.objects.for_tenant(order.tenant).filter(order_ref=order.pk)
    assert reserved.count() == 2
    assert set(reserved.values_list("status", flat=True)) == {"reserved"}
    assert result.payment.status == Payment.Status.PENDING
    assert result.payment.amount_cents == 3980
    assert result.payment.instructions().pix_code
    assert services.order_payment(order=order) == result.payment
    assert order.cart.status == Cart.Status.CHECKED_OUT
    assert OrderEvent.objects.for_tenant(order.tenant).filter(order=order).count() == 1


def test_payer_email_is_a_valid_placeholder(setup):
    _prod, v, buyer = setup
    services.cart_add(customer=buyer, variant_id=v.pk)
    order = services.order_create_from_cart(customer=buyer)
    assert order.payment_payer_email() == "buyer-111@users.vitrine.invalid"


def test_approved_payment_marks_paid_sells_stock_and_creates_deliveries(setup, mp):
    _prod, v, buyer = setup
    v.role_id, v.duration_days = "999", 30
    v.save()
    services.cart_add(customer=buyer, variant_id=v.pk, quantity=2)
    result = services.checkout(customer=buyer)
    dispatch(result.payment, Outcome.APPROVED)
    dispatch(result.payment, Outcome.APPROVED)  # replay: same end state
    order = Order.objects.for_tenant(buyer.tenant).get(pk=result.order.pk)
    assert order.status == Order.Status.PAID and order.paid_at
    assert StockItem.objects.for_tenant(order.tenant).filter(
        order_ref=order.pk, status="sold").count() == 2
    kinds = sorted(Delivery.objects.for_tenant(order.tenant).filter(order=order)
                   .values_list("kind", flat=True))
    assert kinds == ["role", "stock"]
    role = Delivery.objects.for_tenant(order.tenant).get(order=order, kind="role")
    assert role.expires_at and role.state == "pending"
    buyer.refresh_from_db()
    assert buyer.lifetime_spend_cents == 3980 and buyer.first_purchase_at
    events = list(order.events.values_list("from_status", "to_status"))
    assert events == [("", "pending_payment"), ("pending_payment", "paid")]


def test_expired_payment_releases_the_reservation(setup, mp):
    _prod, v, buyer = setup
    services.cart_add(customer=buyer, variant_id=v.pk, quantity=3)
    result = services.checkout(customer=buyer)
    dispatch(result.payment, Outcome.EXPIRED)
    dispatch(result.payment, Outcome.EXPIRED)
    order = Order.objects.for_tenant(buyer.tenant).get(pk=result.order.pk)
    assert order.status == Order.Status.EXPIRED
    assert StockItem.objects.for_tenant(order.tenant).filter(status="available").count() == 5


def test_late_approval_after_expiry_retakes_stock(setup, mp):
    _prod, v, buyer = setup
    services.cart_add(customer=buyer, variant_id=v.pk)
    result = services.checkout(customer=buyer)
    dispatch(result.payment, Outcome.CANCELLED)
    dispatch(result.payment, Outcome.APPROVED)
    order = Order.objects.for_tenant(buyer.tenant).get(pk=result.order.pk)
    assert order.status == Order.Status.PAID
    assert StockItem.objects.for_tenant(order.tenant).filter(status="sold").count() == 1


def test_refund_revokes_roles_and_pending_work(setup, mp):
    _prod, v, buyer = setup
    v.role_id = "42"
    v.save()
    services.cart_add(customer=buyer, variant_id=v.pk)
    result = services.checkout(customer=buyer)
    dispatch(result.payment, Outcome.APPROVED)
    deliveries = Delivery.objects.for_tenant(buyer.tenant).filter(order=result.order)
    deliveries.filter(kind="role").update(state="done")
    dispatch(result.payment, Outcome.REFUNDED)
    dispatch(result.payment, Outcome.REFUNDED)
    order = Order.objects.for_tenant(buyer.tenant).get(pk=result.order.pk)
    assert order.status == Order.Status.REFUNDED
    assert dict(deliveries.values_list("kind", "state")) == {"role": "revoke", "stock": "revoked"}
    buyer.refresh_from_db()
    assert buyer.lifetime_spend_cents == 0
    dispatch(result.payment, Outcome.CHARGED_BACK)
    buyer.refresh_from_db()
    assert buyer.lifetime_spend_cents == 0


def test_payment_failure_keeps_a_pending_order_and_says_retry(setup, settings):
    _prod, v, buyer = setup
    settings.MERCADOPAGO_API_BASE_URL = "http://127.0.0.1:9"
    settings.MERCADOPAGO_ACCESS_TOKEN = "TEST-x"
    services.cart_add(customer=buyer, variant_id=v.pk)
    with pytest.raises(SalesError) as err:
        services.checkout(customer=buyer)
    assert err.value.code == "payment_unavailable" and err.value.status == 503
    order = Order.objects.for_tenant(buyer.tenant).get(code=err.value.extra["order"])
    assert order.status == Order.Status.PENDING_PAYMENT
    assert StockItem.objects.for_tenant(order.tenant).filter(status="reserved").count() == 1


def test_out_of_stock_changes_nothing(setup):
    _prod, v, buyer = setup
    services.cart_add(customer=buyer, variant_id=v.pk, quantity=5)
    StockItem.objects.for_tenant(buyer.tenant).filter(pk=StockItem.objects.for_tenant(
        buyer.tenant).first().pk).update(status="sold")
    with pytest.raises(SalesError) as err:
        services.order_create_from_cart(customer=buyer)
    assert err.value.code == "out_of_stock"
    assert not Order.objects.for_tenant(buyer.tenant).exists()
    assert StockItem.objects.for_tenant(buyer.tenant).filter(status="reserved").count() == 0
    assert Cart.objects.for_tenant(buyer.tenant).get().status == Cart.Status.OPEN


def test_price_tampering_is_impossible_and_stale_totals_are_refused(setup):
    _prod, v, buyer = setup
    services.cart_add(customer=buyer, variant_id=v.pk)
    v.price_cents = 2500
    v.save()
    with pytest.raises(SalesError) as err:
        services.order_create_from_cart(customer=buyer, expected_total_cents=1990)
    assert err.value.code == "price_changed"
    order = services.order_create_from_cart(customer=buyer, expected_total_cents=2500)
    assert order.total_cents == 2500


@pytest.mark.parametrize("mutate,code", [
    (lambda v, b: b.__class__.objects.for_tenant(b.tenant).filter(pk=b.pk).update(
        is_blocked=True), "customer_blocked"),
    (lambda v, b: v.__class__.objects.for_tenant(v.tenant).filter(pk=v.pk).update(
        is_active=False), "variant_unavailable"),
    (lambda v, b: Cart.objects.for_tenant(b.tenant).update(
        expires_at="2000-01-01T00:00Z"), "cart_expired"),
    (lambda v, b: Cart.objects.for_tenant(b.tenant).get().lines.all().delete(), "cart_empty"),
])
def test_checkout_refusals_change_nothing(setup, mutate, code):
    _prod, v, buyer = setup
    services.cart_add(customer=buyer, variant_id=v.pk)
    mutate(v, buyer)
    buyer.refresh_from_db()
    with pytest.raises(SalesError) as err:
        services.order_create_from_cart(customer=buyer)
    assert err.value.code == code
    assert not Order.objects.for_tenant(buyer.tenant).exists()
    assert StockItem.objects.for_tenant(buyer.tenant).filter(status="available").count() == 5


def test_content_variants_need_no_stock(shop):
    v = f.variant(f.product(shop.tenant), fulfillment="content", content="https://x.example/f")
    buyer = f.customer(shop.tenant)
    services.cart_add(customer=buyer, variant_id=v.pk, quantity=50)
    order = services.order_create_from_cart(customer=buyer)
    assert order.total_cents == 50 * 1990


def test_card_is_refused_unless_enabled(setup):
    _prod, v, buyer = setup
    services.cart_add(customer=buyer, variant_id=v.pk)
    with pytest.raises(SalesError) as err:
        services.order_create_from_cart(customer=buyer, method="card")
    assert err.value.code == "payment_method_unavailable"


def test_checkout_query_count_is_bounded(shop, django_assert_max_num_queries):
    buyer = f.customer(shop.tenant)
    prod = f.product(shop.tenant)
    for size in (1, 8):
        for i in range(size):
            v = f.variant(prod, label=f"v{size}-{i}", keys=3)
            services.cart_add(customer=buyer, variant_id=v.pk, quantity=2)
        # Includes the plan quota, the usage counter and the seller features' hooks (trust's
        # guard: one query for both blocklists, one for the rules; growth's order_created).
        with django_assert_max_num_queries(22):
            services.order_create_from_cart(customer=buyer)


def test_cart_view_query_count_is_bounded(shop, django_assert_max_num_queries):
    buyer = f.customer(shop.tenant)
    prod = f.product(shop.tenant)
    f.coupon(shop.tenant)
    for i in range(10):
        v = f.variant(prod, label=f"v{i}", keys=2)
        services.cart_add(customer=buyer, variant_id=v.pk)
    services.cart_apply_coupon(customer=buyer, code="promo10")
    with django_assert_max_num_queries(6):
        view = services.cart_view(customer=buyer)
    assert view.pricing.discount_cents == 1990
    with django_assert_max_num_queries(14):
        services.cart_add(customer=buyer, variant_id=v.pk)


def test_low_stock_alert_once_when_a_sale_crosses_the_threshold(shop, mp):
    from audit.models import AuditEvent

    v = f.variant(f.product(shop.tenant), keys=4, low_stock_threshold=2)
    for uid in ("1", "2", "3"):
        buyer = f.customer(shop.tenant, discord_user_id=uid)
        services.cart_add(customer=buyer, variant_id=v.pk)
        dispatch(services.checkout(customer=buyer).payment, Outcome.APPROVED)
    alerts = [e for e in AuditEvent.objects.all() if e.action == "stock.low"]
    assert len(alerts) == 1
