"""The checkout guard: blocked buyers (shop and platform lists) and the rules refuse politely,
with nothing reserved or charged, and each refusal is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone, translation

from audit.models import AuditEvent
from catalog.models import StockItem
from payments.models import Payment
from sales import services as sales
from sales.errors import SalesError
from sales.models import Cart, Order
from tests.sales import factories as f
from tests.trust.conftest import rules
from trust import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked(shop):
    return f.variant(f.product(shop.tenant), price_cents=1990, keys=3)


def _checkout_refused(customer, variant, code: str) -> SalesError:
    sales.cart_add(customer=customer, variant_id=variant.pk, quantity=1)
    with pytest.raises(SalesError) as caught:
        sales.checkout(customer=customer)
    assert caught.value.code == code
    tenant = customer.tenant
    # Nothing reserved, charged or ordered; the cart is still the buyer's to use later.
    assert not Order.objects.for_tenant(tenant).exists()
    assert not Payment.objects.for_tenant(tenant).exists()
    assert StockItem.objects.for_tenant(tenant).filter(order_ref__isnull=False).count() == 0
    assert Cart.objects.for_tenant(tenant).get(customer=customer).status == Cart.Status.OPEN
    return caught.value


def _refusals(tenant) -> list[dict]:
    return list(AuditEvent.objects.filter(tenant=tenant, action="checkout.refused").order_by("pk")
                .values_list("data", flat=True))


def test_a_buyer_blocked_by_id_before_they_ever_came_is_refused_at_checkout(shop, stocked):
    services.block_add(tenant=shop.tenant, discord_user_id="555", reason="fraude", actor=shop.owner)
    buyer = f.customer(shop.tenant, "555")
    error = _checkout_refused(buyer, stocked, "customer_blocked")
    assert error.status == 403
    assert [d["rule"] for d in _refusals(shop.tenant)] == ["shop_block"]


def test_platform_block_applies_to_every_shop_and_says_so(shop, other_shop, stocked):
    services.block_add(tenant=None, discord_user_id="777", reason="golpe", actor=None,
                       source="platform")
    # Blocked by both lists: the platform's says so (it comes first).
    services.block_add(tenant=shop.tenant, discord_user_id="777", reason="x", actor=shop.owner)
    error = _checkout_refused(f.customer(shop.tenant, "777"), stocked, "buyer_blocked_platform")
    with translation.override("pt-br"):
        assert "bloqueadas pela plataforma" in error.message()
    other = f.variant(f.product(other_shop.tenant), price_cents=500, keys=1)
    _checkout_refused(f.customer(other_shop.tenant, "777"), other, "buyer_blocked_platform")
    # The shop's own list does not show the platform's row.
    assert [b.reason for b in services.selectors.shop_blocks(tenant=shop.tenant)] == ["x"]


def test_blocks_by_payer_email_and_expired_blocks(shop, stocked):
    from sales.hooks import CheckoutAttempt
    from trust.guards import checkout_guard

    buyer = f.customer(shop.tenant, "888")
    services.block_add(tenant=shop.tenant, discord_user_id="", payer_email="Fraud@Example.com",
                       reason="cartão", actor=shop.owner)
    attempt = CheckoutAttempt(customer=buyer, cart=None, total_cents=100, currency="BRL",
                              method="card", payer_emails=("fraud@example.com",))
    with pytest.raises(SalesError, match="customer_blocked"):
        checkout_guard(attempt)
    services.block_add(tenant=shop.tenant, discord_user_id="999", reason="temporário",
                       actor=shop.owner, expires_at=timezone.now() + timedelta(hours=1))
    later = f.customer(shop.tenant, "999")
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        checkout_guard(CheckoutAttempt(customer=later, cart=None, total_cents=100,
                                       currency="BRL", method="pix"))
        assert services.blocks_expire() == 1
    later.refresh_from_db()
    assert not later.is_blocked


def test_block_and_unblock_keep_the_customer_mirror(shop):
    buyer = f.customer(shop.tenant, "123")
    block = services.block_add(tenant=shop.tenant, discord_user_id="123", reason="chargeback",
                               actor=shop.owner, source="dispute")
    buyer.refresh_from_db()
    assert buyer.is_blocked
    again = services.block_add(tenant=shop.tenant, discord_user_id="123", reason="outra",
                               actor=shop.owner)
    assert again.pk == block.pk and again.reason == "outra"
    services.block_remove(block=again, actor=shop.owner, reason="resolvido")
    buyer.refresh_from_db()
    assert not buyer.is_blocked
    actions = list(AuditEvent.objects.filter(tenant=shop.tenant, action__startswith="trust.")
                   .order_by("pk").values_list("action", flat=True))
    assert actions == ["trust.block_add", "trust.block_add", "trust.block_remove"]


def test_minimum_account_age(shop, stocked):
    from trust.rules import DISCORD_EPOCH_MS

    rules(shop.tenant, min_account_age_days=30)
    now = timezone.now()
    young = str((int((now - timedelta(days=3)).timestamp() * 1000) - DISCORD_EPOCH_MS) << 22)
    old = str((int((now - timedelta(days=31)).timestamp() * 1000) - DISCORD_EPOCH_MS) << 22)
    error = _checkout_refused(f.customer(shop.tenant, young), stocked, "risk_account_too_new")
    assert error.params["date"]
    buyer = f.customer(shop.tenant, old)
    sales.cart_add(customer=buyer, variant_id=stocked.pk, quantity=1)
    assert sales.order_create_from_cart(customer=buyer).status == "pending_payment"


def test_orders_per_hour_and_amount_per_day(shop, stocked):
    rules(shop.tenant, max_orders_per_hour=2, max_amount_per_day_cents=5000)
    buyer = f.customer(shop.tenant, "42")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(2):
            sales.cart_add(customer=buyer, variant_id=stocked.pk, quantity=1)
            sales.order_create_from_cart(customer=buyer)
        sales.cart_add(customer=buyer, variant_id=stocked.pk, quantity=1)
        with pytest.raises(SalesError, match="risk_limit_reached"):
            sales.checkout(customer=buyer)
    assert _refusals(shop.tenant)[-1]["rule"] == "orders_per_hour"
    with time_machine.travel(start + timedelta(hours=1, minutes=1), tick=False):
        # A new hour (the idle cart expired: a fresh one): 2 x 19,90 + 19,90 = 59,70 passes
        # the day's R$ 50,00.
        sales.cart_add(customer=buyer, variant_id=stocked.pk, quantity=1)
        with pytest.raises(SalesError, match="risk_limit_reached"):
            sales.checkout(customer=buyer)
        assert _refusals(shop.tenant)[-1]["rule"] == "amount_per_day"
        # Cancelled orders do not count.
        for order in Order.objects.for_tenant(shop.tenant):
            sales.order_cancel(order=order, actor_user=shop.owner)
        assert sales.order_create_from_cart(customer=buyer).status == "pending_payment"
