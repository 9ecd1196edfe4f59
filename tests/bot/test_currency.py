"""A BRL shop sells a variant's USD price by card via Stripe, with the real bot against the real
platform and the Stripe sandbox (issue 23): the bot asks the currency, the order and payment
are in dollars, the ledger books them in the USD accounts only, and an item with no dollar
price is refused in words the buyer reads."""

from __future__ import annotations

import pytest
import requests
from django.test import Client
from django.utils import translation

from catalog import services as catalog_services
from payments.models import Payment, WebhookEvent
from payments.tasks import apply_webhook_event
from sales import services as sales_services
from sales.errors import SalesError
from sales.models import Customer, Order
from tests.bot.conftest import orm
from tests.bot.test_payment_methods import _cart_with_course, _delivered, _link, _offer
from tests.bot.test_storefront import click, command, custom_ids
from tests.payments.providers.conftest import receiver, stripe_sandbox  # noqa: F401
from wallet import selectors as wallet_selectors
from wallet.models import Entry, LedgerTransaction
from wallet.policy import fee_cents, wallet_policy

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio,
              pytest.mark.parametrize("running", [{"cart_threads": False}], indirect=True)]


@pytest.fixture(autouse=True)
def _plans(transactional_db) -> None:
    import importlib

    from django.apps import apps

    importlib.import_module("tenants.migrations.0003_seed_plans").seed(apps, None)


def _price_course_in_dollars(world) -> None:
    course = world.products["course"]
    catalog_services.variant_save(product=course.product, actor=None, variant=course,
                                  prices={"USD": 2000})


def _apply_stripe_hooks(receiver, count: int) -> None:  # noqa: F811
    client = Client()
    for hook in receiver.wait_for(count):
        client.post("/webhooks/stripe", data=hook.raw, content_type="application/json",
                    headers={"Stripe-Signature": hook.headers["stripe-signature"]})
    for pk in WebhookEvent.objects.filter(state="received").values_list("pk", flat=True):
        apply_webhook_event(pk)


def _picker(answer: dict) -> dict:
    return next(m for m in [answer["message"], *(answer.get("followups") or [])]
                if any(c.get("custom_id", "").startswith("vt:checkout")
                       for row in m.get("components") or [] for c in row["components"]))


def _labels(message: dict) -> dict[str, str]:
    return {c["custom_id"]: c["label"] for row in message["components"]
            for c in row["components"] if c.get("custom_id")}


def _books(tenant) -> dict:
    sale = LedgerTransaction.objects.for_tenant(tenant).get(kind="sale")
    return {"sale_currencies": set(Entry.objects.unscoped().filter(transaction=sale)
                                   .values_list("account__currency", flat=True)),
            "usd": wallet_selectors.balances(tenant=tenant, currency="USD"),
            "brl": wallet_selectors.balances(tenant=tenant, currency="BRL"),
            "fee": fee_cents(2000, wallet_policy(tenant).fee_percent)}


async def test_a_brl_shop_sells_its_usd_price_by_stripe(world, running, settings,
                                                       stripe_sandbox, receiver):  # noqa: F811
    tenant = world.products["prod"].tenant
    await orm(_offer, tenant, stripe_card_enabled=True)
    await orm(_price_course_in_dollars, world)
    cart = await _cart_with_course(world, running)
    assert "vt:checkout:10000:stripe_card" in custom_ids(cart)
    # Card via Stripe, and the cart is priced in reais and dollars: the bot asks which.
    answer = await click(world, running, cart, "vt:checkout:10000:stripe_card")
    picker = _picker(answer)
    assert picker["content"] == "Em qual moeda você quer pagar com cartão (Stripe)?"
    assert _labels(picker) == {"vt:checkout:10000:stripe_card:BRL": "Pagar R$ 100,00",
                               "vt:checkout:2000:stripe_card:USD": "Pagar US$ 20,00"}
    checkout = (await click(world, running, picker, "vt:checkout:2000:stripe_card:USD"))
    url = _link(checkout["message"])
    assert url.startswith(stripe_sandbox.url)
    payment = await orm(lambda: Payment.objects.unscoped().get())
    assert (payment.provider, payment.currency, payment.amount_cents) == ("stripe", "USD", 2000)
    session = stripe_sandbox.call(lambda: stripe_sandbox.emulator.sessions[
        payment.provider_payment_id])
    assert (session["currency"], session["amount_total"]) == ("usd", 2000)
    assert requests.post(url, data={"outcome": "pay"}, allow_redirects=False,
                         timeout=5).status_code == 303
    await orm(_apply_stripe_hooks, receiver, 3)
    order = await _delivered(world, settings)
    assert (order.status, order.currency, order.total_cents) == ("delivered", "USD", 2000)
    line = await orm(lambda: order.lines.get())
    assert line.unit_price_cents == 2000
    books = await orm(_books, tenant)
    # Booked in dollars only: the sale's entries, the shop's pending dollars; reais untouched.
    assert books["sale_currencies"] == {"USD"}
    assert books["usd"].pending == 2000 - books["fee"] and books["brl"].total == 0
    # The buyer's lifetime spend is in the shop's currency: dollars are not added to it.
    buyer = await orm(lambda: Customer.objects.for_tenant(tenant).get())
    assert buyer.lifetime_spend_cents == 0 and buyer.last_purchase_at is not None
    [dm] = await world.sb.aio.dms(world.buyer["id"])
    assert "KEY-" in dm["content"]


async def test_an_item_without_a_dollar_price_is_refused_clearly(world, running, settings,
                                                                stripe_sandbox):  # noqa: F811
    tenant = world.products["prod"].tenant
    await orm(_offer, tenant, stripe_card_enabled=True)
    await orm(_price_course_in_dollars, world)
    cart = await _cart_with_course(world, running)
    picker = _picker(await click(world, running, cart, "vt:checkout:10000:stripe_card"))
    # Then the buyer adds an item that has no dollar price and clicks the dollar button.
    month = world.products["month"]
    await orm(lambda: sales_services.cart_add(
        customer=Customer.objects.for_tenant(tenant).get(), variant_id=month.pk, quantity=1))
    refused = await click(world, running, picker, "vt:checkout:2000:stripe_card:USD")
    with translation.override("pt-br"):
        expected = SalesError("currency_not_priced", item=str(month), currency="USD").message()
    said = [refused["message"].get("content") or "",
            *[m.get("content") or "" for m in (refused.get("followups") or [])]]
    assert any(expected in text for text in said), said
    assert await orm(lambda: Order.objects.unscoped().count()) == 0
    assert await orm(lambda: Payment.objects.unscoped().count()) == 0
    # The cart now offers Stripe in reais only: no question, straight to the checkout link.
    cart = (await command(world, running, "carrinho"))["message"]
    checkout = await click(world, running, cart, "vt:checkout:11990:stripe_card")
    assert _link(checkout["message"]).startswith(stripe_sandbox.url)
    payment = await orm(lambda: Payment.objects.unscoped().get())
    assert (payment.currency, payment.amount_cents) == ("BRL", 11990)
