"""The Saldo page and the refund to the balance: owner acts, staff read per role, outsiders 404;
bad input is a 4xx that changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sales import services
from tests.credit.conftest import balance, give_credit
from tests.sales import factories as f

SETTINGS = {"topup_enabled": "on", "min_amount": "5,00", "max_amount": "200,00",
            "bonus_percent": "10"}


def _url(shop, name, *args):
    return reverse(f"portal:{name}", args=[shop.tenant.slug, *args])


def test_owner_sees_what_the_shop_owes_and_to_whom(shop, client_for):
    buyer = f.customer(shop.tenant, name="Bia Compradora")
    give_credit(buyer, 4250, payment_id=1)
    response = client_for(shop.owner).get(_url(shop, "credit"))
    assert response.status_code == 200
    assert "R$ 42,50" in response.content.decode()
    assert b"Bia Compradora" in response.content


@pytest.mark.parametrize("role", ["viewer", "manager"])
def test_staff_read_the_page_but_only_the_owner_edits(shop, client_for, role):
    member = getattr(shop, role)
    assert client_for(member).get(_url(shop, "credit")).status_code == 200
    assert client_for(member).post(_url(shop, "credit_settings"), SETTINGS).status_code == 403
    shop.tenant.refresh_from_db()
    assert "credit_topup_enabled" not in shop.tenant.settings


@pytest.mark.parametrize("name", ["credit", "credit_settings"])
def test_outsider_and_other_shop_get_404(shop, other_shop, outsider, client_for, name):
    url = _url(shop, name)
    for user in (outsider, other_shop.owner):
        client = client_for(user)
        response = client.get(url) if name == "credit" else client.post(url, SETTINGS)
        assert response.status_code == 404


def test_owner_saves_settings(shop, client_for):
    response = client_for(shop.owner).post(_url(shop, "credit_settings"), SETTINGS)
    assert response.status_code == 302
    shop.tenant.refresh_from_db()
    assert shop.tenant.settings["credit_topup_enabled"] is True
    assert shop.tenant.settings["credit_topup_min_cents"] == 500
    assert shop.tenant.settings["credit_topup_max_cents"] == 20000
    assert shop.tenant.settings["credit_bonus_percent"] == 10


@pytest.mark.parametrize("bad", [{"min_amount": "300,00"}, {"bonus_percent": "101"},
                                 {"max_amount": "-1"}, {"min_amount": "abc"},
                                 {"max_amount": "100000,01"}])
def test_bad_settings_are_400_and_change_nothing(shop, client_for, bad):
    response = client_for(shop.owner).post(_url(shop, "credit_settings"), {**SETTINGS, **bad})
    assert response.status_code == 400
    shop.tenant.refresh_from_db()
    assert "credit_topup_enabled" not in shop.tenant.settings


def _credit_paid_order(shop):
    v = f.variant(f.product(shop.tenant), price_cents=1500, keys=1)
    buyer = f.customer(shop.tenant)
    give_credit(buyer, 1500, payment_id=1)
    services.cart_add(customer=buyer, variant_id=v.pk)
    return services.checkout(customer=buyer, use_credit=True).order, buyer


def test_owner_refunds_an_order_to_the_balance(shop, client_for):
    order, buyer = _credit_paid_order(shop)
    page = client_for(shop.owner).get(_url(shop, "order_detail", order.code))
    assert b'data-testid="credit-refund-form"' in page.content
    response = client_for(shop.owner).post(_url(shop, "order_refund_to_credit", order.code),
                                           {"reason": "troca", "amount": "5,00"})
    assert response.status_code == 302
    assert balance(buyer) == 500


@pytest.mark.parametrize("role", ["viewer", "manager"])
def test_staff_cannot_refund_to_the_balance(shop, client_for, role):
    order, buyer = _credit_paid_order(shop)
    url = _url(shop, "order_refund_to_credit", order.code)
    assert client_for(getattr(shop, role)).post(url, {"reason": "x"}).status_code == 403
    assert balance(buyer) == 0


def test_outsiders_cannot_refund_to_the_balance(shop, other_shop, outsider, client_for):
    order, buyer = _credit_paid_order(shop)
    url = _url(shop, "order_refund_to_credit", order.code)
    for user in (outsider, other_shop.owner):
        assert client_for(user).post(url, {"reason": "x"}).status_code == 404
    assert balance(buyer) == 0


@pytest.mark.parametrize("bad", [{"reason": ""}, {"reason": "x", "amount": "abc"},
                                 {"reason": "x", "amount": "-3"}])
def test_bad_refund_input_changes_nothing(shop, client_for, bad):
    order, buyer = _credit_paid_order(shop)
    response = client_for(shop.owner).post(_url(shop, "order_refund_to_credit", order.code),
                                           bad)
    assert response.status_code == 303
    assert balance(buyer) == 0


def test_owner_creates_gift_card_codes(shop, client_for):
    v = f.variant(f.product(shop.tenant, name="Vale"), label="R$ 30", price_cents=3000)
    page = client_for(shop.owner).get(_url(shop, "credit"))
    assert b'data-testid="giftcards-form"' in page.content
    response = client_for(shop.owner).post(_url(shop, "giftcards_create"),
                                           {"variant": v.pk, "count": "4"})
    assert response.status_code == 302
    from credit.models import GiftCard

    assert GiftCard.objects.for_tenant(shop.tenant).filter(variant=v).count() == 4


def test_gift_cards_for_another_shops_variant_are_refused(shop, other_shop, client_for):
    from credit.models import GiftCard

    theirs = f.variant(f.product(other_shop.tenant), price_cents=3000)
    response = client_for(shop.owner).post(_url(shop, "giftcards_create"),
                                           {"variant": theirs.pk, "count": "4"})
    assert response.status_code == 400
    assert not GiftCard.objects.unscoped().exists()


@pytest.mark.parametrize("role", ["viewer", "manager"])
def test_only_the_owner_creates_gift_cards(shop, other_shop, outsider, client_for, role):
    from credit.models import GiftCard

    v = f.variant(f.product(shop.tenant), price_cents=3000)
    url = _url(shop, "giftcards_create")
    assert client_for(getattr(shop, role)).post(url, {"variant": v.pk, "count": 1}) \
        .status_code == 403
    for user in (outsider, other_shop.owner):
        assert client_for(user).post(url, {"variant": v.pk, "count": 1}).status_code == 404
    assert not GiftCard.objects.unscoped().exists()
