"""The whole SMM story in the real bot: the buyer fills the product's field in the modal
Comprar opens, pays (Mercado Pago sandbox), the order goes to the SMM panel sandbox, its status
is checked on schedule (time-machine), it ends Partial, the undelivered share is refunded, and
/meuspedidos shows the progress, the refund and a refill button that works."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from catalog.models import ProductField
from payments.models import Payment
from payments.services import payment_reconcile_one
from sales.models import Order, OrderLine
from smm import services as smm
from smm.models import Panel, PanelOrder, ServiceMapping
from tests.bot.conftest import TIMEOUT, orm, run_deliveries, running, sb, world  # noqa: F401
from tests.bot.test_storefront import card_of, command, custom_ids
from tests.sales import factories as f
from tests.smm.conftest import panel_sb  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]
EPHEMERAL = pytest.mark.parametrize("running", [{"cart_threads": False}], indirect=True)
LINK = "https://instagram.com/alice.compradora"


def _smm_product(world, panel_sb) -> tuple[int, int]:  # noqa: F811
    tenant = world.products["prod"].tenant
    product = f.product(tenant, "Curtidas Instagram", description="Curtidas reais")
    ProductField.objects.create(tenant=tenant, product=product, key="link",
                                label="Link do post", kind="url", required=True,
                                placeholder="https://instagram.com/p/...")
    variant = f.variant(product, "1000 curtidas", price_cents=1000, fulfillment="service")
    ServiceMapping.objects.create(tenant=tenant, variant=variant, service_id=2,
                                  quantity_per_unit=1000, link_field="link", refill=True)
    Panel.objects.create(tenant=tenant, url=panel_sb.api_url, api_key=panel_sb.api_key)
    return product.pk, variant.pk


def _sweep_later(hours: int) -> None:
    """The beat sweeper, `hours` from now (time-machine moves the clock, nothing sleeps)."""
    with time_machine.travel(timezone.now() + timedelta(hours=hours), tick=True):
        for tenant_id, ids in smm.orders_claim_due().items():
            smm.orders_check(tenant_id=tenant_id, ids=ids)


async def _modal_submit(world, opened: dict, values: dict, running) -> dict:  # noqa: F811
    submitted = await world.sb.aio.submit_modal(opened["id"], values)
    await running.tracker.wait(submitted["id"])
    return await world.sb.aio.interaction(submitted["id"], wait=TIMEOUT)


@EPHEMERAL
async def test_field_in_modal_pay_panel_progress_partial_refund_and_refill(
        world, running, mp, panel_sb, settings):  # noqa: F811
    pid, _vid = await orm(_smm_product, world, panel_sb)
    answer = await command(world, running, "loja")
    card = card_of(answer, "Curtidas Instagram")
    assert custom_ids(card) == [f"vt:buy:{pid}", f"vt:add:{pid}"]

    # Comprar opens the modal with the product's field...
    opened = await world.sb.aio.click(world.channel_id, card["id"], world.buyer["id"],
                                      f"vt:buy:{pid}")
    modal = await world.sb.aio.interaction(opened["id"], wait=TIMEOUT)
    assert modal["response"]["type"] == 9
    [row] = modal["response"]["data"]["components"]
    [text] = row["components"]
    assert (text["custom_id"], text["label"], text["required"]) == ("link", "Link do post", True)

    # ...a bad answer is refused with the platform's words, naming the field; nothing ordered.
    refused = await _modal_submit(world, opened, {"link": "não é um link"}, running)
    [error] = refused["followups"] or [refused["message"]]
    assert "Link do post" in error["content"] and "https://" in error["content"]
    assert await orm(lambda: Order.objects.unscoped().count()) == 0

    opened = await world.sb.aio.click(world.channel_id, card["id"], world.buyer["id"],
                                      f"vt:buy:{pid}")
    await world.sb.aio.interaction(opened["id"], wait=TIMEOUT)
    bought = await _modal_submit(world, opened, {"link": LINK}, running)
    assert bought["message"]["embeds"][0]["title"].startswith("Pedido ")
    order = await orm(lambda: Order.objects.unscoped().get())
    line = await orm(lambda: OrderLine.objects.unscoped().get(order=order))
    assert line.answers == [{"key": "link", "label": "Link do post", "value": LINK,
                             "private": False}]

    # Paid -> the fulfillment worker places the order at the panel with the buyer's link.
    payment = await orm(lambda: Payment.objects.unscoped().get())
    await orm(mp.approve, payment.provider_payment_id)
    await orm(payment_reconcile_one, payment=payment)
    await orm(run_deliveries, world, settings)
    [add] = panel_sb.calls("add")
    assert (add["service"], add["link"], add["quantity"]) == ("2", LINK, "1000")

    # First check: in progress; the buyer sees it in /meuspedidos.
    await orm(_sweep_later, 1)
    orders = await command(world, running, "meuspedidos")
    services_embed = orders["message"]["embeds"][1]
    assert services_embed["title"] == "Seus serviços"
    assert "Em andamento" in services_embed["description"]
    assert not any(c.startswith("vt:refill:") for c in custom_ids(orders["message"]))

    # Two more checks: the panel ends Partial with 400 of 1000 undelivered -> R$ 4,00 back.
    await orm(_sweep_later, 2)
    await orm(_sweep_later, 3)
    po = await orm(lambda: PanelOrder.objects.unscoped().get())
    assert (po.status, po.remains, po.refund_cents) == ("partial", 400, 400)
    await orm(_sweep_later, 4)  # the due refund (its after-commit task is not run here)
    payment = await orm(lambda: Payment.objects.unscoped().get())
    assert (payment.status, payment.refunded_cents) == ("approved", 400)
    order = await orm(lambda: Order.objects.unscoped().get())
    assert order.status == "delivered"

    orders = await command(world, running, "meuspedidos")
    text = orders["message"]["embeds"][1]["description"]
    assert "Parcial" in text and "600/1000 (60%)" in text and "reembolsado R$ 4,00" in text
    assert f"vt:refill:{po.pk}" in custom_ids(orders["message"])

    # Pedir reposição: the panel gets the refill for this order.
    done = await world.sb.aio.click(world.channel_id, orders["message"]["id"],
                                    world.buyer["id"], f"vt:refill:{po.pk}")
    await running.tracker.wait(done["id"])
    answered = await world.sb.aio.interaction(done["id"], wait=TIMEOUT)
    assert answered["message"]["content"].startswith("Reposição solicitada")
    assert panel_sb.calls("refill") == [{"action": "refill", "order": po.panel_order_id}]
