"""Prices per currency through the Bot API and the public API (issue 23): a variant's prices in
other currencies are listed; a cart offers each currency every line is priced in, with its
total and the methods taking it; checkout in another currency is Stripe's only, never mixes
currencies, and every refusal is a 4xx that changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from catalog import services as catalog_services
from catalog.models import Coupon, VariantPrice
from developer import keys
from payments.models import Payment
from sales.models import Cart, Order
from tests.payments.providers.conftest import receiver, stripe_sandbox  # noqa: F401  (fixtures)
from tests.sales import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def priced(shop, stripe_sandbox):  # noqa: F811
    shop.tenant.settings = {**shop.tenant.settings, "stripe_card_enabled": True}
    shop.tenant.save()
    both = f.variant(f.product(shop.tenant, "Chave"), price_cents=10000, keys=3)
    catalog_services.variant_save(product=both.product, actor=None, variant=both,
                                  prices={"USD": 2000, "EUR": 1800})
    reais = f.variant(f.product(shop.tenant, "Só reais"), price_cents=500, keys=3)
    return both, reais


def _code(response) -> str:
    return response.json()["error"]["code"]


def _unchanged(shop) -> None:
    assert not Order.objects.for_tenant(shop.tenant).exists()
    assert not Payment.objects.for_tenant(shop.tenant).exists()
    assert Cart.objects.for_tenant(shop.tenant).get().status == "open"


def test_catalog_lists_each_variants_prices_shop_currency_first(bot, priced):
    both, reais = priced
    variants = {v["id"]: v for p in bot.get("catalog/").json()["products"]
                for v in p["variants"]}
    assert variants[both.pk]["prices"] == [
        {"currency": "BRL", "amount_cents": 10000, "display": "R$ 100,00"},
        {"currency": "EUR", "amount_cents": 1800, "display": "€ 18,00"},
        {"currency": "USD", "amount_cents": 2000, "display": "US$ 20,00"}]
    assert [p["currency"] for p in variants[reais.pk]["prices"]] == ["BRL"]


def test_the_cart_offers_the_currencies_every_line_is_priced_in(bot, priced):
    both, reais = priced
    bot.post("customers/", {"discord_user_id": "42"})
    cart = bot.post("customers/42/cart/items/", {"variant_id": both.pk, "quantity": 2}).json()
    assert cart["currencies"] == [
        {"currency": "BRL", "total_cents": 20000, "total_display": "R$ 200,00",
         "methods": ["pix", "stripe_card"]},
        {"currency": "USD", "total_cents": 4000, "total_display": "US$ 40,00",
         "methods": ["stripe_card"]},
        {"currency": "EUR", "total_cents": 3600, "total_display": "€ 36,00",
         "methods": ["stripe_card"]}]
    cart = bot.post("customers/42/cart/items/", {"variant_id": reais.pk}).json()
    assert [c["currency"] for c in cart["currencies"]] == ["BRL"]  # never a mix


def test_checkout_in_dollars_by_stripe(bot, priced, shop):
    both, _reais = priced
    bot.post("customers/", {"discord_user_id": "42"})
    bot.post("customers/42/cart/items/", {"variant_id": both.pk})
    response = bot.post("customers/42/checkout/", {"method": "stripe_card", "currency": "USD",
                                                   "expected_total_cents": 2000})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["order"]["total_cents"], body["order"]["total_display"]) == (2000, "US$ 20,00")
    assert (body["payment"]["currency"], body["payment"]["amount_cents"]) == ("USD", 2000)
    order = Order.objects.for_tenant(shop.tenant).get()
    assert order.currency == "USD" and order.lines.get().unit_price_cents == 2000


@pytest.mark.parametrize("body, status, code", [
    ({"method": "pix", "currency": "USD"}, 409, "currency_method_unavailable"),  # PIX is BRL
    ({"method": "stripe_card", "currency": "GBP"}, 400, "invalid_request"),
    ({"method": "stripe_card", "currency": "usd"}, 400, "invalid_request"),
    ({"method": "stripe_card", "currency": "USD", "expected_total_cents": 10000}, 409,
     "price_changed"),
])
def test_bad_currency_requests_change_nothing(bot, priced, shop, body, status, code):
    both, _reais = priced
    bot.post("customers/", {"discord_user_id": "42"})
    bot.post("customers/42/cart/items/", {"variant_id": both.pk})
    response = bot.post("customers/42/checkout/", body)
    assert (response.status_code, _code(response)) == (status, code)
    _unchanged(shop)


def test_an_item_without_a_price_in_the_currency_is_refused(bot, priced, shop):
    both, reais = priced
    bot.post("customers/", {"discord_user_id": "42"})
    bot.post("customers/42/cart/items/", {"variant_id": both.pk})
    bot.post("customers/42/cart/items/", {"variant_id": reais.pk})
    response = bot.post("customers/42/checkout/", {"method": "stripe_card", "currency": "EUR"})
    assert (response.status_code, _code(response)) == (409, "currency_not_priced")
    assert "Só reais" in response.json()["error"]["message"]
    assert "EUR" in response.json()["error"]["message"]
    _unchanged(shop)


def test_a_fixed_amount_coupon_stays_in_the_shops_currency(bot, priced, shop):
    both, _reais = priced
    f.coupon(shop.tenant, code="CINCO", kind=Coupon.Kind.FIXED, value=500)
    bot.post("customers/", {"discord_user_id": "42"})
    bot.post("customers/42/cart/items/", {"variant_id": both.pk})
    cart = bot.put("customers/42/cart/coupon/", {"code": "CINCO"}).json()
    assert [c["currency"] for c in cart["currencies"]] == ["BRL"]
    response = bot.post("customers/42/checkout/", {"method": "stripe_card", "currency": "USD"})
    assert (response.status_code, _code(response)) == (409, "coupon_currency")
    _unchanged(shop)


def test_a_percent_coupon_applies_in_any_currency(bot, priced, shop):
    both, _reais = priced
    f.coupon(shop.tenant, code="DEZ")
    bot.post("customers/", {"discord_user_id": "42"})
    bot.post("customers/42/cart/items/", {"variant_id": both.pk})
    cart = bot.put("customers/42/cart/coupon/", {"code": "DEZ"}).json()
    assert {c["currency"]: c["total_cents"] for c in cart["currencies"]} == {
        "BRL": 9000, "USD": 1800, "EUR": 1620}


def test_the_public_api_lists_prices_per_currency(shop, priced):
    both, _reais = priced
    _key, token = keys.key_create(tenant=shop.tenant, actor=shop.owner, name="erp",
                                  scopes=keys.SCOPE_NAMES)
    body = Client().get(f"/api/v1/products/{both.product_id}/",
                        HTTP_AUTHORIZATION=f"Bearer {token}").json()
    [variant] = body["variants"]
    assert variant["currency"] == "BRL"
    assert variant["prices"] == [{"currency": "BRL", "amount_cents": 10000},
                                 {"currency": "EUR", "amount_cents": 1800},
                                 {"currency": "USD", "amount_cents": 2000}]


def test_prices_are_set_removed_and_audited(shop, priced):
    from audit.models import AuditEvent

    both, _reais = priced
    catalog_services.variant_save(product=both.product, actor=shop.owner, variant=both,
                                  prices={"USD": 2500, "EUR": None})
    assert dict(VariantPrice.objects.for_tenant(shop.tenant).filter(variant=both)
                .values_list("currency", "amount_cents")) == {"USD": 2500}
    event = AuditEvent.objects.filter(action="variant.update").latest("pk")
    assert event.data["prices"] == {"USD": 2500, "EUR": None}
    with pytest.raises(catalog_services.CatalogError):
        catalog_services.variant_save(product=both.product, actor=shop.owner, variant=both,
                                      prices={"BRL": 100})  # the shop's own: the main price
