"""How a sale meets the wallet and the plan: one ledger posting per payment, plan limits."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from catalog.models import Fulfillment
from catalog.services import CatalogError, product_save, product_set_active, variant_save
from payments.registry import Outcome, dispatch
from sales import services
from sales.errors import SalesError
from tenants.quotas import usage_get, usage_set
from tests.sales import factories as f
from wallet.models import LedgerTransaction
from wallet.selectors import balances


@pytest.fixture
def setup(shop):
    prod = f.product(shop.tenant)
    return prod, f.variant(prod, price_cents=10000, keys=5), f.customer(shop.tenant)


def test_approved_sale_posts_once_and_refund_reverses(setup, mp):
    _prod, v, buyer = setup
    services.cart_add(customer=buyer, variant_id=v.pk, quantity=1)
    payment = services.checkout(customer=buyer).payment
    dispatch(payment, Outcome.APPROVED)
    dispatch(payment, Outcome.APPROVED)  # a replayed webhook posts nothing twice
    sales = LedgerTransaction.objects.unscoped().filter(key=f"sale:{payment.pk}")
    assert sales.count() == 1
    assert balances(tenant=buyer.tenant).pending == 9500  # R$ 100,00 minus the trial's 5% fee

    dispatch(payment, Outcome.REFUNDED)
    dispatch(payment, Outcome.REFUNDED)
    assert LedgerTransaction.objects.unscoped().filter(
        key=f"refund:payment:{payment.pk}").count() == 1
    assert balances(tenant=buyer.tenant).pending == 0
    call_command("wallet_verify")  # books still closed


def test_orders_past_the_monthly_limit_are_refused(setup, mp):
    _prod, v, buyer = setup
    usage_set(tenant=buyer.tenant, metric="orders_per_month", value=100)  # the trial's limit
    services.cart_add(customer=buyer, variant_id=v.pk, quantity=1)
    with pytest.raises(SalesError) as refused:
        services.checkout(customer=buyer)
    assert refused.value.code == "plan_limit_reached"
    assert usage_get(tenant=buyer.tenant, metric="orders_per_month") == 100


def test_orders_are_metered(setup, mp):
    _prod, v, buyer = setup
    services.cart_add(customer=buyer, variant_id=v.pk, quantity=1)
    services.checkout(customer=buyer)
    assert usage_get(tenant=buyer.tenant, metric="orders_per_month") == 1


def test_active_products_are_capped_by_the_plan(shop):
    for i in range(19):  # the Free trial allows 20 active products
        product_save(tenant=shop.tenant, actor=shop.owner, name=f"Produto {i}")
    last = product_save(tenant=shop.tenant, actor=shop.owner, name="Vigésimo")
    with pytest.raises(CatalogError, match="20"):
        product_save(tenant=shop.tenant, actor=shop.owner, name="Um a mais")
    product_set_active(product=last, actor=shop.owner, active=False)
    spare = product_save(tenant=shop.tenant, actor=shop.owner, name="Cabe agora")
    with pytest.raises(CatalogError):
        product_set_active(product=last, actor=shop.owner, active=True)
    assert spare.is_active


def test_external_fulfillment_needs_a_plan_that_has_it(shop, settings):
    settings.LANGUAGE_CODE = "en"
    prod = f.product(shop.tenant)
    with pytest.raises(CatalogError, match="external"):
        variant_save(product=prod, actor=shop.owner, label="Seguidores", price_cents=500,
                     fulfillment=Fulfillment.EXTERNAL, external_url="https://example.com/hook")
    assert not prod.variants.exists()


def test_card_needs_plan_and_shop_setting(shop):
    shop.tenant.settings["card_enabled"] = True
    assert "card" not in services.payment_methods(shop.tenant)  # the trial has no card
