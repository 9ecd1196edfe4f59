"""A shop selling a Discord role and a key in the Discord sandbox, paid through the Mercado Pago
sandbox; the sandbox's notifications are posted to our webhook, signed as it signs them."""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from django.core.management import call_command
from django.db import transaction

from payments import webhooks
from payments.models import Payment, WebhookEvent
from payments.services import payment_sync
from payments.tasks import apply_webhook_event
from sales import services
from sales.models import Order
from tests.fulfillment.conftest import World, eager, sandbox, world  # noqa: F401
from tests.sales import factories as f
from tests.sales.factories import mp  # noqa: F401
from wallet.selectors import ledger_verify

SECRET = "sandbox-webhook-secret"


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.MERCADOPAGO_WEBHOOK_SECRET = SECRET
    settings.PUBLIC_URL = "http://127.0.0.1:9"  # sandbox deliveries fail fast; tests replay


def post_record(client, record: dict):
    """One sandbox notification record, posted to our webhook and signed as the sandbox signs."""
    parts = urlsplit(record["url"])
    query = dict(parse_qsl(parts.query))
    request_id = str(uuid.uuid4())
    header = webhooks.sign(secret=SECRET, data_id=query["data.id"], request_id=request_id,
                           ts=int(time.time()))
    return client.post(f"/webhooks/mercadopago?{parts.query}", data=json.dumps(record["body"]),
                       content_type="application/json",
                       headers={"x-signature": header, "x-request-id": request_id})


def drain() -> None:
    for pk in WebhookEvent.objects.filter(state=WebhookEvent.State.RECEIVED).values_list(
            "pk", flat=True):
        apply_webhook_event(pk)


def deliver(client, mp, records: list[dict] | None = None) -> None:  # noqa: F811
    """The sandbox's notifications (all, or these), posted to our webhook, then applied."""
    for record in records if records is not None else mp.notifications():
        assert post_record(client, record).status_code == 200
    drain()


def topic_records(mp, topic: str) -> list[dict]:  # noqa: F811
    return [r for r in mp.notifications() if r.get("topic", "payment") == topic]


def assert_ledger_clean() -> None:
    assert ledger_verify() == []
    call_command("wallet_verify")


def role_and_key(w: World, price_cents: int = 5000):
    role = w.sb.create_role(w.guild_id, "Cliente VIP")
    v_role = f.variant(f.product(w.tenant, "VIP"), "Mensal", fulfillment="role",
                       role_id=role["id"], price_cents=price_cents)
    v_key = f.variant(f.product(w.tenant, "Chave"), "Licença", price_cents=1000, keys=2)
    return role, v_role, v_key


def enable_card(tenant) -> None:
    """Card needs the plan's feature and the shop's choice (sales.selectors.payment_methods)."""
    from tenants.models import PlanVersion, Subscription

    version_id = Subscription.objects.for_tenant(tenant).values_list("plan_version",
                                                                      flat=True).first()
    PlanVersion.objects.filter(pk=version_id).update(card_payments=True)
    tenant.settings = {**tenant.settings, "card_enabled": True}
    tenant.save(update_fields=["settings"])


def buy(w: World, mp, capture, *, method: str = "card",  # noqa: F811
        price_cents: int = 5000) -> tuple[Order, Payment, dict]:
    """A role and a key, paid by card (Checkout Pro on the sandbox) or PIX, delivered."""
    if method == "card":
        enable_card(w.tenant)
    role, v_role, v_key = role_and_key(w, price_cents)
    services.cart_add(customer=w.customer, variant_id=v_role.pk, quantity=1)
    services.cart_add(customer=w.customer, variant_id=v_key.pk, quantity=1)
    result = services.checkout(customer=w.customer, method=method)
    payment = result.payment
    if method == "card":
        answer = requests.post(f"{mp.url}/checkout/v1/pay", allow_redirects=False, timeout=5,
                               data={"pref_id": payment.preference_id, "card": "APRO",
                                     "email": "b@example.com", "payment_method_id": "master"})
        provider_id = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))["payment_id"]
    else:
        provider_id = payment.provider_payment_id
        mp.approve(provider_id)
    with capture(execute=True), transaction.atomic():
        payment_sync(provider_payment_id=provider_id)
    payment.refresh_from_db()
    order = Order.objects.for_tenant(w.tenant).get(pk=result.order.pk)
    return order, payment, role


def roles(w: World) -> list[str]:
    return w.sb.member(w.guild_id, w.buyer_id)["roles"]
