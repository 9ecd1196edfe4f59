"""The buyer picks how to pay, in Discord, with the real bot against the real platform and the
payment sandboxes (issue 23): PIX and card via Mercado Pago, card via Stripe, and PIX on the
shop's own Mercado Pago account (OAuth-connected, platform fee split off). Each purchase ends
paid and delivered; a revoked connection is said to the buyer."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from django.test import Client
from django.utils import translation

from payments import webhooks
from payments.models import Payment, WebhookEvent
from payments.services import payment_reconcile_one
from payments.tasks import apply_webhook_event
from sales.errors import SalesError
from sales.models import Order
from tenants.models import Subscription
from tests.bot.conftest import orm, run_deliveries
from tests.bot.test_storefront import click, command, custom_ids
from tests.payments.conftest import SECRET
from tests.payments.providers.conftest import STRIPE_SECRET, receiver, stripe_sandbox  # noqa: F401
from tests.payments.providers.seller import SELLER, connect_shop, use_sandbox_oauth

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio,
              pytest.mark.filterwarnings("ignore:notification_url is deprecated"),
              pytest.mark.parametrize("running", [{"cart_threads": False}], indirect=True)]


@pytest.fixture(autouse=True)
def _plans(transactional_db) -> None:
    """The seeded plans, before the shop exists (an earlier transactional test's flush removes
    what the migration seeded), so the shop has a trial whose card feature _offer can turn on."""
    import importlib

    from django.apps import apps

    importlib.import_module("tenants.migrations.0003_seed_plans").seed(apps, None)


def _offer(tenant, **options: Any) -> None:
    from tenants.models import PlanVersion

    if options.get("card_enabled"):  # card via Mercado Pago also needs a plan that has it
        sub = Subscription.objects.for_tenant(tenant).select_related("plan_version").first()
        PlanVersion.objects.filter(pk=sub.plan_version_id).update(card_payments=True)
    tenant.settings = {**tenant.settings, **options}
    tenant.save(update_fields=["settings"])


async def _cart_with_course(world, running) -> dict:
    answer = await command(world, running, "loja")
    course = next(m for m in [answer["message"], *answer["followups"]]
                  if m["embeds"][0]["title"] == "Curso")
    await click(world, running, course, f"vt:add:{world.products['single'].pk}")
    return (await command(world, running, "carrinho"))["message"]


def _link(message: dict) -> str:
    return next(c["url"] for row in message["components"] for c in row["components"]
                if c.get("url"))


async def _delivered(world, settings) -> Order:
    await orm(run_deliveries, world, settings)
    return await orm(lambda: Order.objects.unscoped().get())


def _buttons(message: dict) -> dict[str, str]:
    return {c["custom_id"]: c["label"] for row in message["components"]
            for c in row["components"] if c.get("custom_id", "").startswith("vt:checkout")}


async def test_the_buyer_picks_card_via_mercado_pago(world, running, mp, settings):
    await orm(_offer, world.products["prod"].tenant, card_enabled=True)
    cart = await _cart_with_course(world, running)
    assert _buttons(cart) == {"vt:checkout:10000": "Pagar com PIX",  # picker
                              "vt:checkout:10000:card": "Cartão (Mercado Pago)"}
    checkout = (await click(world, running, cart, "vt:checkout:10000:card"))["message"]
    url = _link(checkout)
    assert url.startswith(mp.url + "/checkout/v1/redirect")
    payment = await orm(lambda: Payment.objects.unscoped().get())
    assert (payment.provider, payment.method) == ("mercadopago", "card")
    # The buyer pays on Mercado Pago's hosted page; the platform re-reads it.
    pref = dict(parse_qsl(urlsplit(url).query))["pref_id"]
    paid = requests.post(f"{mp.url}/checkout/v1/pay", data={"pref_id": pref, "card": "APRO"},
                         allow_redirects=False, timeout=5)
    assert paid.status_code == 302
    await orm(payment_reconcile_one, payment=payment)
    order = await _delivered(world, settings)
    assert order.status == "delivered" and order.payment_method == "card"
    [dm] = await world.sb.aio.dms(world.buyer["id"])
    assert "KEY-" in dm["content"]


async def test_the_buyer_picks_card_via_stripe(world, running, settings, stripe_sandbox,  # noqa: F811
                                               receiver):  # noqa: F811
    await orm(_offer, world.products["prod"].tenant, stripe_card_enabled=True)
    cart = await _cart_with_course(world, running)
    assert "vt:checkout:10000:stripe_card" in custom_ids(cart)
    checkout = (await click(world, running, cart, "vt:checkout:10000:stripe_card"))["message"]
    url = _link(checkout)
    assert url.startswith(stripe_sandbox.url)
    assert requests.post(url, data={"outcome": "pay"}, allow_redirects=False,
                         timeout=5).status_code == 303

    def apply_hooks() -> None:
        client = Client()
        for hook in receiver.wait_for(3):
            client.post("/webhooks/stripe", data=hook.raw, content_type="application/json",
                        headers={"Stripe-Signature": hook.headers["stripe-signature"]})
        for pk in WebhookEvent.objects.filter(state="received").values_list("pk", flat=True):
            apply_webhook_event(pk)

    await orm(apply_hooks)
    order = await _delivered(world, settings)
    assert order.status == "delivered" and order.payment_method == "stripe_card"


async def test_pix_on_the_shops_own_mercado_pago_account(world, running, mp, settings):
    tenant = world.products["prod"].tenant
    use_sandbox_oauth(settings, mp)
    await orm(connect_shop, tenant, tenant.owner)
    cart = await _cart_with_course(world, running)
    assert list(_buttons(cart)) == ["vt:checkout:10000"]  # PIX only: the plain button
    checkout = (await click(world, running, cart, "vt:checkout:10000"))["message"]
    payment = await orm(lambda: Payment.objects.unscoped().get())
    assert checkout["content"] == f"```\n{payment.pix_code}\n```"
    assert payment.provider == "mercadopago_seller" and payment.application_fee_cents > 0
    assert str(mp.payment(payment.provider_payment_id)["collector_id"]) == SELLER
    mp.approve(payment.provider_payment_id)

    def deliver_notifications() -> None:
        client = Client()
        for record in mp.wait_for_notifications(lambda rs: len(rs) >= 2):
            parts = urlsplit(record["url"])
            data_id = dict(parse_qsl(parts.query))["data.id"]
            request_id = str(uuid.uuid4())
            header = webhooks.sign(secret=SECRET, data_id=data_id, request_id=request_id,
                                   ts=int(time.time()))
            client.post(f"{parts.path}?{parts.query}", data=json.dumps(record["body"]),
                        content_type="application/json",
                        headers={"x-signature": header, "x-request-id": request_id})
        for pk in WebhookEvent.objects.filter(state="received").values_list("pk", flat=True):
            apply_webhook_event(pk)

    await orm(deliver_notifications)
    order = await _delivered(world, settings)
    assert order.status == "delivered"


async def test_a_revoked_own_account_is_said_to_the_buyer(world, running, mp, settings):
    tenant = world.products["prod"].tenant
    use_sandbox_oauth(settings, mp)
    await orm(connect_shop, tenant, tenant.owner)
    requests.post(f"{mp.url}/_sandbox/oauth/revoke", json={"user_id": SELLER}, timeout=5)
    cart = await _cart_with_course(world, running)
    answer = await click(world, running, cart, "vt:checkout:10000")
    with translation.override("pt-br"):
        expected = SalesError("seller_account_unavailable").message()
    said = [answer["message"].get("content") or "",
            *[m.get("content") or "" for m in answer.get("followups") or []]]
    assert any(expected in text for text in said), said
