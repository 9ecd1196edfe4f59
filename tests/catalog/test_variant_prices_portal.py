"""The variant editor's prices in other currencies (issue 23): the owner types them like the
main price; empty means not sold in that currency; bad input is a 400 that changes nothing;
edits are audited; another shop's owner gets 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from catalog.models import VariantPrice
from tests.sales import factories as f

pytestmark = pytest.mark.django_db

FORM = {"label": "Mensal", "price": "100,00", "fulfillment": "stock", "low_stock_threshold": "2",
        "is_active": "on"}


@pytest.fixture
def variant(shop):
    return f.variant(f.product(shop.tenant), price_cents=10000, keys=1)


def _prices(shop, variant) -> dict[str, int]:
    return dict(VariantPrice.objects.for_tenant(shop.tenant).filter(variant=variant)
                .values_list("currency", "amount_cents"))


def _url(shop, variant) -> str:
    return reverse("portal:variant_edit", args=[shop.tenant.slug, variant.pk])


def test_owner_sets_changes_and_removes_prices_in_other_currencies(shop, variant, client_for):
    client = client_for(shop.owner)
    response = client.post(_url(shop, variant), {**FORM, "price_usd": "20,00",
                                                 "price_eur": "dezoito"})
    assert response.status_code == 400
    assert _prices(shop, variant) == {}
    response = client.post(_url(shop, variant), {**FORM, "price_usd": "20,00",
                                                 "price_eur": "€ 18.50"})
    assert response.status_code == 302, response.content.decode()[:1500]
    assert _prices(shop, variant) == {"USD": 2000, "EUR": 1850}
    event = AuditEvent.objects.filter(action="variant.update").latest("pk")
    assert event.data["prices"] == {"USD": 2000, "EUR": 1850}
    page = client.get(_url(shop, variant)).content.decode()
    assert 'name="price_usd" value="20,00"' in page and 'name="price_eur" value="18,50"' in page
    assert 'name="price_brl"' not in page  # the shop's own currency is the main price
    client.post(_url(shop, variant), {**FORM, "price_usd": "", "price_eur": "18,50"})
    assert _prices(shop, variant) == {"EUR": 1850}
    assert AuditEvent.objects.filter(action="variant.update").latest("pk").data["prices"] == {
        "USD": None}


@pytest.mark.parametrize("bad", ["abc", "0", "-5", "0,001", "1000001", "NaN", "1e9"])
def test_bad_prices_are_refused_and_change_nothing(shop, variant, client_for, bad):
    client = client_for(shop.owner)
    client.post(_url(shop, variant), {**FORM, "price_usd": "20,00"})
    before = AuditEvent.objects.count()
    response = client.post(_url(shop, variant), {**FORM, "price_usd": bad, "price": "90"})
    assert response.status_code == 400
    assert _prices(shop, variant) == {"USD": 2000}
    variant.refresh_from_db()
    assert variant.price_cents == 10000 and AuditEvent.objects.count() == before


def test_another_shops_owner_gets_404_and_changes_nothing(shop, other_shop, variant,
                                                          client_for):
    client = client_for(other_shop.owner)
    assert client.get(_url(shop, variant)).status_code == 404
    other_url = reverse("portal:variant_edit", args=[other_shop.tenant.slug, variant.pk])
    assert client.post(other_url, {**FORM, "price_usd": "1"}).status_code == 404
    assert client.post(_url(shop, variant), {**FORM, "price_usd": "1"}).status_code == 404
    assert _prices(shop, variant) == {}


def test_a_dollar_shop_sets_its_price_in_reais(shop, variant, client_for):
    shop.tenant.currency = "USD"
    shop.tenant.save()
    client = client_for(shop.owner)
    page = client.get(_url(shop, variant)).content.decode()
    assert 'name="price_brl"' in page and 'name="price_usd"' not in page
    assert "Preço (USD)" in page  # the main price is the shop's own currency
    assert client.post(_url(shop, variant), {**FORM, "price_brl": "99,90",
                                             "price_usd": "5"}).status_code == 302
    assert _prices(shop, variant) == {"BRL": 9990}  # a dollar "other" price is ignored
