"""A shop selling on its own Mercado Pago account (OAuth, issue 23 item 2), through the Bot
API against the sandbox over real HTTP: the buyer's PIX is charged on the seller's account with
the platform's fee as `application_fee`, the seller's notifications (own path, same signature)
mark the order paid, the wallet books the sale as settled at the provider with the fee
collected, a refund runs on the seller's token, and a revoked connection stops checkouts."""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from payments import services, webhooks
from payments.models import Payment, WebhookEvent
from payments.tasks import apply_webhook_event
from sales.models import Order
from tests.payments.conftest import SECRET
from tests.payments.providers.seller import SELLER, connect_shop, seller_oauth  # noqa: F401
from tests.sales import factories as f
from wallet import selectors as wallet_selectors
from wallet.models import Account, AccountKind
from wallet.policy import fee_cents, wallet_policy

pytestmark = [pytest.mark.django_db,
              pytest.mark.filterwarnings("ignore:notification_url is deprecated")]
K = AccountKind
HOOK = "/webhooks/mercadopago/seller"


def _post(client, record: dict, *, secret: str = SECRET):
    parts = urlsplit(record["url"])
    query = dict(parse_qsl(parts.query))
    request_id = str(uuid.uuid4())
    header = webhooks.sign(secret=secret, data_id=query["data.id"], request_id=request_id,
                           ts=int(time.time()))
    return client.post(f"{parts.path}?{parts.query}", data=json.dumps(record["body"]),
                       content_type="application/json",
                       headers={"x-signature": header, "x-request-id": request_id})


def _apply_received() -> None:
    for pk in WebhookEvent.objects.filter(state="received").order_by("pk").values_list(
            "pk", flat=True):
        apply_webhook_event(pk)


def _buy(bot, shop, price_cents: int = 2000) -> dict:
    variant = f.variant(f.product(shop.tenant), keys=2, price_cents=price_cents)
    bot.post("customers/", {"discord_user_id": "42"})
    bot.post("customers/42/cart/items/", {"variant_id": variant.pk})
    response = bot.post("customers/42/checkout/", {"method": "pix"})
    assert response.status_code == 201, response.content
    return response.json()


def _balance(tenant, kind) -> int:
    account = Account.objects.unscoped().filter(tenant=tenant if kind == K.SETTLED else None,
                                                kind=kind, currency="BRL").first()
    return account.balance_cents if account else 0


def test_pix_on_the_shops_own_account_with_the_platform_fee(bot, shop, seller_oauth,  # noqa: F811
                                                            client):
    connect_shop(shop.tenant, shop.owner)
    body = _buy(bot, shop, 2000)
    payment = Payment.objects.for_tenant(shop.tenant).get()
    fee = fee_cents(2000, wallet_policy(shop.tenant).fee_percent)
    assert (payment.provider, payment.method, payment.application_fee_cents) == (
        "mercadopago_seller", "pix", fee)
    assert fee > 0 and body["payment"]["pix_code"]
    at_mp = seller_oauth.payment(payment.provider_payment_id)
    assert str(at_mp["collector_id"]) == SELLER  # the seller's account, not the platform's
    assert at_mp["notification_url"].endswith(HOOK)

    seller_oauth.approve(payment.provider_payment_id)
    records = seller_oauth.wait_for_notifications(lambda rs: len(rs) >= 2)
    for record in records:
        assert str(record["body"]["user_id"]) == SELLER
        assert _post(client, record).json()["status"] == "accepted"
        assert _post(client, record).json()["status"] == "duplicate"  # replayed: stored once
    _apply_received()
    order = Order.objects.for_tenant(shop.tenant).get(code=body["order"]["code"])
    assert order.status in ("paid", "delivering", "delivered")
    fees = [d for d in seller_oauth.payment(payment.provider_payment_id)["fee_details"]
            if d["type"] == "application_fee"]
    assert fees == [{"type": "application_fee", "amount": fee / 100, "fee_payer": "collector"}]

    # Settled at the provider: nothing pending or withdrawable, the fee collected.
    assert wallet_selectors.balances(tenant=shop.tenant).total == 0
    assert _balance(shop.tenant, K.SETTLED) == 2000 - fee
    assert _balance(shop.tenant, K.FEES) == fee
    assert wallet_selectors.ledger_verify() == []

    # A partial refund goes out of the seller's account (their token) and gives our fee back
    # in proportion; the rest of it later returns exactly the rest of the fee.
    payment.refresh_from_db()
    services.payment_refund(payment=payment, actor=shop.owner, reason="arrependimento",
                            amount_cents=500)
    at_mp = seller_oauth.payment(payment.provider_payment_id)
    assert at_mp["transaction_amount_refunded"] == 5.0
    back = fee_cents(500, wallet_policy(shop.tenant).fee_percent)
    assert _balance(shop.tenant, K.FEES) == fee - back
    assert _balance(shop.tenant, K.SETTLED) == 2000 - fee - (500 - back)
    assert wallet_selectors.ledger_verify() == []
    payment.refresh_from_db()
    services.payment_refund(payment=payment, actor=shop.owner, reason="tudo")
    assert _balance(shop.tenant, K.FEES) == 0 and _balance(shop.tenant, K.SETTLED) == 0
    assert _balance(shop.tenant, K.REFUNDS) == 2000
    assert wallet_selectors.ledger_verify() == []


def test_seller_notifications_forged_or_out_of_order_change_nothing(
        bot, shop, client, seller_oauth):  # noqa: F811
    connect_shop(shop.tenant, shop.owner)
    _buy(bot, shop)
    payment = Payment.objects.for_tenant(shop.tenant).get()
    seller_oauth.approve(payment.provider_payment_id)
    created, approved = seller_oauth.wait_for_notifications(lambda rs: len(rs) >= 2)[:2]
    forged = _post(client, approved, secret="not-the-secret")
    assert forged.status_code == 401
    assert not WebhookEvent.objects.exists()
    # Out of order: the approval arrives and is applied first, the creation after it.
    assert _post(client, approved).status_code == 200
    _apply_received()
    assert _post(client, created).status_code == 200
    _apply_received()
    payment.refresh_from_db()
    assert payment.status == "approved"
    assert WebhookEvent.objects.filter(provider="mercadopago_seller").count() == 2
    assert _balance(shop.tenant, K.SETTLED) == payment.amount_cents - payment.application_fee_cents


def test_a_notification_naming_another_seller_reads_nothing(
        bot, shop, other_shop, client, seller_oauth):  # noqa: F811
    connect_shop(shop.tenant, shop.owner)
    connect_shop(other_shop.tenant, other_shop.owner, user_id="2001001002")
    _buy(bot, shop)
    payment = Payment.objects.for_tenant(shop.tenant).get()
    seller_oauth.approve(payment.provider_payment_id)
    record = seller_oauth.wait_for_notifications(lambda rs: len(rs) >= 2)[-1]
    record["body"]["user_id"] = 2001001002  # someone rewrote the seller in the body
    assert _post(client, record).status_code == 200
    _apply_received()
    event = WebhookEvent.objects.get()
    assert event.state == "ignored"  # the other seller's token cannot see this payment
    payment.refresh_from_db()
    assert payment.status == "pending"


def test_a_revoked_connection_stops_checkout_before_anything_is_reserved(
        bot, shop, seller_oauth):  # noqa: F811
    connect_shop(shop.tenant, shop.owner)
    requests.post(f"{seller_oauth.url}/_sandbox/oauth/revoke", json={"user_id": SELLER},
                  timeout=5)
    variant = f.variant(f.product(shop.tenant), keys=2)
    bot.post("customers/", {"discord_user_id": "42"})
    bot.post("customers/42/cart/items/", {"variant_id": variant.pk})
    first = bot.post("customers/42/checkout/", {"method": "pix"})
    # The first checkout meets Mercado Pago's 401 and marks the connection revoked.
    assert first.status_code == 409
    assert first.json()["error"]["code"] == "seller_account_unavailable"
    assert Payment.objects.for_tenant(shop.tenant).get().status == "created"
    variant = f.variant(f.product(shop.tenant, name="Outra"), keys=1)
    bot.post("customers/42/cart/items/", {"variant_id": variant.pk})
    refused = bot.post("customers/42/checkout/", {"method": "pix"})
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "seller_account_unavailable" and "Mercado Pago" in error["message"]
    assert Order.objects.for_tenant(shop.tenant).count() == 1
