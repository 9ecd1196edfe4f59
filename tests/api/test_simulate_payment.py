"""Bot API: the demo's "Simular pagamento" button (sandbox only, the shop's own orders only)."""

from __future__ import annotations

import pytest

from tests.sales import factories as f

pytestmark = [pytest.mark.django_db,
              pytest.mark.filterwarnings("ignore:notification_url is deprecated")]


def _checkout(bot, shop) -> dict:
    variant = f.variant(f.product(shop.tenant), keys=2)
    bot.post("customers/", {"discord_user_id": "42"})
    bot.post("customers/42/cart/items/", {"variant_id": variant.pk})
    response = bot.post("customers/42/checkout/", {})
    assert response.status_code == 201, response.content
    return response.json()


def test_sandbox_offers_and_approves(bot, shop, mp, settings):
    settings.MERCADOPAGO_SANDBOX = True
    body = _checkout(bot, shop)
    assert body["payment"]["simulate_url"].endswith("/simulate/")
    code = body["order"]["code"]
    response = bot.post(f"orders/{code}/payment/simulate/")
    assert response.status_code == 202, response.content
    remote = mp.payment(mp.call(lambda: next(iter(mp.emulator.store.payments))))
    assert remote["status"] == "approved"


def test_real_account_has_no_button_and_answers_not_found(bot, shop, mp, settings):
    settings.MERCADOPAGO_SANDBOX = False
    body = _checkout(bot, shop)
    assert body["payment"]["simulate_url"] == ""
    response = bot.post(f"orders/{body['order']['code']}/payment/simulate/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_other_shops_order_is_not_found(bot, other_bot, shop, mp, settings):
    settings.MERCADOPAGO_SANDBOX = True
    code = _checkout(bot, shop)["order"]["code"]
    response = other_bot.post(f"orders/{code}/payment/simulate/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "order_not_found"
