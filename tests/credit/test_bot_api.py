"""Bot API for store credit: /saldo, PIX top-ups and gift card redemption; each shop's bot sees
only its own buyers; refusals are the Bot API's error shape and change nothing."""

from __future__ import annotations

import pytest

from catalog.models import StockItem
from credit import giftcards
from credit.models import TopUp
from payments.models import Payment
from payments.registry import Outcome, dispatch
from sales import services
from tests.api.conftest import BotClient
from tests.credit.conftest import balance, give_credit
from tests.sales import factories as f


def _on(tenant) -> None:
    tenant.settings = {**tenant.settings, "credit_topup_enabled": True,
                       "credit_topup_min_cents": 500, "credit_topup_max_cents": 10000,
                       "credit_bonus_percent": 5}
    tenant.save()


def test_saldo_shows_balance_history_and_rules(shop, bot):
    buyer = f.customer(shop.tenant, discord_user_id="700")
    give_credit(buyer, 1234, payment_id=1)
    _on(shop.tenant)
    body = bot.get("customers/700/credit/").json()
    assert body["balance_cents"] == 1234 and body["balance_display"] == "R$ 12,34"
    assert [line["delta_cents"] for line in body["history"]] == [1234]
    assert body["history"][0]["kind"] == "topup"
    assert body["topup"] == {"enabled": True, "min_cents": 500, "max_cents": 10000,
                             "min_display": "R$ 5,00", "max_display": "R$ 100,00",
                             "bonus_percent": 5}


def test_other_shops_bot_cannot_see_or_touch_the_buyer(shop, other_shop, bot, other_bot):
    buyer = f.customer(shop.tenant, discord_user_id="701")
    give_credit(buyer, 999, payment_id=1)
    for path, method in (("customers/701/credit/", "get"),
                         ("customers/701/credit/topups/", "post"),
                         ("customers/701/credit/redeem/", "post")):
        body = {"amount_cents": 1000} if "topups" in path else {"code": "GIFT-X"}
        response = other_bot.get(path) if method == "get" else other_bot.post(path, body)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "customer_not_found"
    assert balance(buyer) == 999


def test_no_token_is_401(shop):
    assert BotClient("nope").get("customers/1/credit/").status_code == 401


def test_topup_gives_a_pix_and_credits_on_approval(shop, bot, mp):
    f.customer(shop.tenant, discord_user_id="702")
    _on(shop.tenant)
    response = bot.post("customers/702/credit/topups/", {"amount_cents": 2000})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["payment"]["pix_code"] and body["bonus_cents"] == 100
    payment = Payment.objects.for_tenant(shop.tenant).get()
    dispatch(payment, Outcome.APPROVED)
    assert bot.get("customers/702/credit/").json()["balance_cents"] == 2000  # no shop money
    assert TopUp.objects.for_tenant(shop.tenant).get().status == "credited"


@pytest.mark.parametrize(("body", "code", "status"), [
    ({"amount_cents": 499}, "topup_amount", 400), ({"amount_cents": 10001}, "topup_amount", 400),
    ({"amount_cents": "abc"}, "invalid_request", 400), ({}, "invalid_request", 400),
    ({"amount_cents": -1}, "invalid_request", 400)])
def test_bad_topups_are_refused_and_leave_nothing(shop, bot, body, code, status):
    f.customer(shop.tenant, discord_user_id="703")
    _on(shop.tenant)
    response = bot.post("customers/703/credit/topups/", body)
    assert response.status_code == status and response.json()["error"]["code"] == code
    assert not TopUp.objects.for_tenant(shop.tenant).exists()


def test_topup_when_disabled_is_409(shop, bot):
    f.customer(shop.tenant, discord_user_id="704")
    response = bot.post("customers/704/credit/topups/", {"amount_cents": 1000})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "topup_disabled"


def test_redeem_through_the_api(shop, bot):
    v = f.variant(f.product(shop.tenant), price_cents=2500)
    giftcards.giftcards_create(variant=v, actor=shop.owner, count=1)
    payer = f.customer(shop.tenant, discord_user_id="705")
    give_credit(payer, 2500, payment_id=5)
    services.cart_add(customer=payer, variant_id=v.pk)
    order = services.checkout(customer=payer, use_credit=True).order
    code = StockItem.objects.for_tenant(shop.tenant).get(order_ref=order.pk).content
    f.customer(shop.tenant, discord_user_id="706")
    ok = bot.post("customers/706/credit/redeem/", {"code": code})
    assert ok.status_code == 200 and ok.json()["credited_display"] == "R$ 25,00"
    again = bot.post("customers/706/credit/redeem/", {"code": code})
    assert again.status_code == 409 and again.json()["error"]["code"] == "giftcard_used"
    unknown = bot.post("customers/706/credit/redeem/", {"code": "GIFT-ZZZZ"})
    assert unknown.status_code == 404


def test_checkout_with_credit_over_the_api(shop, bot):
    v = f.variant(f.product(shop.tenant), price_cents=800, keys=1)
    buyer = f.customer(shop.tenant, discord_user_id="707")
    give_credit(buyer, 1000, payment_id=1)
    bot.post("customers/707/cart/items/", {"variant_id": v.pk, "quantity": 1})
    response = bot.post("customers/707/checkout/", {"use_credit": True})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["payment"] is None and body["order"]["status"] == "paid"
    assert body["order"]["credit_applied_display"] == "R$ 8,00"
    assert balance(buyer) == 200
