"""Fixtures for the provider contract and the Stripe tests: each provider's sandbox over real
HTTP, and a harness that drives it the way a buyer and the provider would."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.utils import timezone

from payments import providers, webhooks
from payments.providers.base import Charge, ChargeRequest, PaymentProvider
from sandbox.mercadopago.testing import WebhookReceiver
from sandbox.stripe.testing import StripeSandbox
from tests.payments.conftest import SECRET

STRIPE_KEY = "sk_test_vitrine"
STRIPE_SECRET = "whsec_vitrine_current"
STRIPE_OLD_SECRET = "whsec_vitrine_previous"


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as hooks:
        yield hooks


@pytest.fixture
def stripe_sandbox(settings, receiver) -> Iterator[StripeSandbox]:
    with StripeSandbox(webhook_url=receiver.url, secrets=[STRIPE_SECRET]) as sandbox:
        settings.STRIPE_SECRET_KEY = STRIPE_KEY
        settings.STRIPE_WEBHOOK_SECRETS = f"{STRIPE_SECRET},{STRIPE_OLD_SECRET}"
        settings.STRIPE_API_BASE_URL = sandbox.url
        settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300
        settings.PUBLIC_URL = "http://127.0.0.1:9"
        yield sandbox


@dataclass
class Harness:
    """What the contract needs from a provider's sandbox, beyond the provider itself."""

    provider: PaymentProvider
    method: str
    sandbox: Any
    receiver: WebhookReceiver | None = None
    tenant_id: str = "1"

    def request(self, *, reference: str | None = None, amount_cents: int = 1990,
                currency: str = "BRL") -> ChargeRequest:
        return ChargeRequest(
            reference=reference or str(uuid.uuid4().int % 10**9), method=self.method,
            amount_cents=amount_cents, currency=currency, description="Chave de teste",
            payer_email="buyer-1@buyers.vitrine.test",
            expires_at=timezone.now() + timedelta(minutes=30),
            notification_url=self.receiver.url if self.receiver else "http://127.0.0.1:9",
            return_url="http://127.0.0.1:9/pay/result", statement_descriptor="LOJA ALFA",
            metadata={"tenant_id": self.tenant_id, "payment_public_id": str(uuid.uuid4())},
            application_fee_cents=amount_cents // 20 if self.provider.name.endswith("_seller")
            else 0)

    def pay(self, charge: Charge) -> None:
        if self.provider.name == "stripe":
            self.sandbox.pay(charge.provider_payment_id)
        else:
            self.sandbox.approve(charge.provider_payment_id)

    def signed_webhook(self) -> tuple[bytes, dict[str, str], dict[str, str]]:
        """The last webhook the sandbox sent, as it was sent: (body, headers, query)."""
        if self.provider.name == "stripe":
            hook = self.receiver.wait_for(1)[-1]
            return hook.raw, {"Stripe-Signature": hook.headers["stripe-signature"]}, {}
        record = self.sandbox.wait_for_notifications(lambda rs: bool(rs))[-1]
        query = dict(parse_qsl(urlsplit(record["url"]).query))
        request_id = str(uuid.uuid4())
        header = webhooks.sign(secret=SECRET, data_id=query["data.id"], request_id=request_id,
                               ts=int(time.time()))
        return (json.dumps(record["body"]).encode(),
                {"x-signature": header, "x-request-id": request_id}, query)


@pytest.fixture(params=["mercadopago", "mercadopago_seller", "stripe"])
def harness(request, settings) -> Iterator[Harness]:
    if request.param == "mercadopago_seller":
        # A shop's own account: connected through the sandbox's OAuth, bound to that shop.
        from tests.payments.providers.seller import connect_shop, use_sandbox_oauth

        sandbox = request.getfixturevalue("mp")
        shop = request.getfixturevalue("shop")
        use_sandbox_oauth(settings, sandbox)
        connect_shop(shop.tenant, shop.owner)
        yield Harness(provider=providers.get("mercadopago_seller", tenant_id=shop.tenant.pk),
                      method="pix", sandbox=sandbox, tenant_id=str(shop.tenant.pk))
    elif request.param == "stripe":
        receiver = request.getfixturevalue("receiver")
        sandbox = request.getfixturevalue("stripe_sandbox")
        yield Harness(provider=providers.get("stripe"), method="card", sandbox=sandbox,
                      receiver=receiver)
    else:
        sandbox = request.getfixturevalue("mp")
        yield Harness(provider=providers.get("mercadopago"), method="pix", sandbox=sandbox)


def stripe_hooks(receiver: WebhookReceiver, count: int) -> list:
    return receiver.wait_for(count)


def post_hook(client, hook) -> Any:
    return client.post("/webhooks/stripe", data=hook.raw, content_type="application/json",
                       headers={"Stripe-Signature": hook.headers["stripe-signature"]})
