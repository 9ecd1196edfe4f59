"""A buyer pays by card via Stripe through the Bot API: the option is offered when the shop
turns it on, the checkout gives Stripe's hosted page, paying there and Stripe's signed webhook
mark the order paid (once)."""

from __future__ import annotations

import pytest
import requests

from payments.models import Payment, WebhookEvent
from payments.tasks import apply_webhook_event
from sales.models import Order
from tests.payments.providers.conftest import (  # noqa: F401  (fixtures)
    post_hook,
    receiver,
    stripe_sandbox,
)
from tests.sales import factories as f

pytestmark = pytest.mark.django_db


def test_a_currency_the_ledger_does_not_book_is_refused(bot, shop, stripe_sandbox):  # noqa: F811
    shop.tenant.currency = "GBP"
    shop.tenant.settings = {**shop.tenant.settings, "stripe_card_enabled": True}
    shop.tenant.save()
    variant = f.variant(f.product(shop.tenant), keys=1)
    bot.post("customers/", {"discord_user_id": "42"})
    bot.post("customers/42/cart/items/", {"variant_id": variant.pk})
    response = bot.post("customers/42/checkout/", {"method": "stripe_card"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "currency_unsupported"
    assert not Payment.objects.for_tenant(shop.tenant).exists()
    assert not Order.objects.for_tenant(shop.tenant).exists()


def test_eur_shop_sells_by_stripe_and_the_ledger_books_euros_apart(
        bot, shop, stripe_sandbox, receiver, client):  # noqa: F811
    from wallet import selectors as wallet_selectors
    from wallet.models import Account

    shop.tenant.currency = "EUR"
    shop.tenant.settings = {**shop.tenant.settings, "stripe_card_enabled": True}
    shop.tenant.save()
    # Mercado Pago charges reais: a euro shop offers card via Stripe only.
    assert bot.get("settings/").json()["payment_methods"] == ["stripe_card"]
    variant = f.variant(f.product(shop.tenant), keys=1, price_cents=1500)
    bot.post("customers/", {"discord_user_id": "42"})
    bot.post("customers/42/cart/items/", {"variant_id": variant.pk})
    refused = bot.post("customers/42/checkout/", {"method": "pix"})
    assert refused.json()["error"]["code"] == "payment_method_unavailable"
    response = bot.post("customers/42/checkout/", {"method": "stripe_card"})
    assert response.status_code == 201, response.content
    assert response.json()["payment"]["currency"] == "EUR"
    url = response.json()["payment"]["checkout_url"]
    assert requests.post(url, data={"outcome": "pay"}, allow_redirects=False,
                         timeout=5).status_code == 303
    for hook in receiver.wait_for(3):
        assert post_hook(client, hook).status_code == 200
    for pk in WebhookEvent.objects.filter(state="received").values_list("pk", flat=True):
        apply_webhook_event(pk)
    assert Order.objects.for_tenant(shop.tenant).get().status == "paid"
    euros = {a.kind: a.balance_cents for a in Account.objects.unscoped().filter(currency="EUR")}
    fee = euros["fees"]
    assert euros["clearing"] == 1500 and euros["pending"] == 1500 - fee and fee > 0
    assert not Account.objects.unscoped().filter(currency="BRL", balance_cents__gt=0).exists()
    assert wallet_selectors.balances(tenant=shop.tenant).total == 0  # reais: nothing
    assert wallet_selectors.balances(tenant=shop.tenant, currency="EUR").pending == 1500 - fee
    assert wallet_selectors.ledger_verify() == []


def test_shop_sells_by_card_via_stripe(bot, shop, stripe_sandbox, receiver,  # noqa: F811
                                       client):
    shop.tenant.settings = {**shop.tenant.settings, "stripe_card_enabled": True}
    shop.tenant.save()
    assert bot.get("settings/").json()["payment_methods"] == ["pix", "stripe_card"]
    variant = f.variant(f.product(shop.tenant), keys=1)
    bot.post("customers/", {"discord_user_id": "42"})
    bot.post("customers/42/cart/items/", {"variant_id": variant.pk})
    response = bot.post("customers/42/checkout/", {"method": "stripe_card"})
    assert response.status_code == 201, response.content
    body = response.json()
    url = body["payment"]["checkout_url"]
    assert url.startswith(stripe_sandbox.url) and body["payment"]["currency"] == "BRL"
    payment = Payment.objects.for_tenant(shop.tenant).get()
    assert (payment.provider, payment.method) == ("stripe", "card")

    page = requests.get(url, timeout=5)
    assert f"{variant.price_cents // 100}." in page.text and "BRL" in page.text
    paid = requests.post(url, data={"outcome": "pay"}, allow_redirects=False, timeout=5)
    assert paid.status_code == 303
    assert paid.headers["Location"].endswith(f"/pay/{payment.public_id}/result/")
    for hook in receiver.wait_for(3):
        assert post_hook(client, hook).status_code == 200
        assert post_hook(client, hook).json() == {"status": "duplicate"}
    for pk in WebhookEvent.objects.filter(state="received").values_list("pk", flat=True):
        apply_webhook_event(pk)
    order = Order.objects.for_tenant(shop.tenant).get(code=body["order"]["code"])
    assert order.status == "paid"
    assert bot.get(f"orders/{order.code}/").json()["status"] == "paid"


def test_stripe_card_is_refused_when_the_shop_did_not_turn_it_on(
        bot, shop, stripe_sandbox):  # noqa: F811
    variant = f.variant(f.product(shop.tenant), keys=1)
    bot.post("customers/", {"discord_user_id": "42"})
    bot.post("customers/42/cart/items/", {"variant_id": variant.pk})
    response = bot.post("customers/42/checkout/", {"method": "stripe_card"})
    assert response.status_code in (400, 409, 422)
    assert response.json()["error"]["code"] == "payment_method_unavailable"
    assert not Payment.objects.for_tenant(shop.tenant).exists()
