"""Buyers in Discord: /loja, variant + Comprar → PIX checkout that flips to paid, the cart,
coupons, /meuspedidos, API errors verbatim, /vincular; the real bot against the real platform."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from django.utils import translation

from bot.api import ApiError, BotAPI
from payments.models import Payment
from payments.services import payment_reconcile_one
from sales.errors import SalesError
from sales.models import Customer, Order
from tenants.models import Tenant
from tests.bot.conftest import (
    TIMEOUT,
    Recorder,
    Running,
    World,
    make_bot,
    orm,
    run_deliveries,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]
EPHEMERAL = pytest.mark.parametrize("running", [{"cart_threads": False}], indirect=True)


async def command(world: World, running: Running, name: str, user: dict | None = None,
                  options: dict | None = None) -> dict[str, Any]:
    ran = await world.sb.aio.run_command(world.channel_id, (user or world.buyer)["id"], name,
                                         options or {})
    await running.tracker.wait(ran["id"])
    return await world.sb.aio.interaction(ran["id"], wait=TIMEOUT)


async def click(world: World, running: Running, message: dict, custom_id: str,
                values: list[str] | None = None, tracked: bool = True) -> dict[str, Any]:
    done = await world.sb.aio.click(world.channel_id, message["id"], world.buyer["id"],
                                    custom_id, values)
    if tracked:
        await running.tracker.wait(done["id"])
    return await world.sb.aio.interaction(done["id"], wait=TIMEOUT)


def product_cards(answer: dict) -> list[dict]:
    return [answer["message"], *answer["followups"]]


def card_of(answer: dict, name: str) -> dict:
    return next(m for m in product_cards(answer) if m["embeds"][0]["title"] == name)


def custom_ids(message: dict) -> list[str]:
    return [c.get("custom_id") for row in message["components"] for c in row["components"]]


async def test_loja_lists_products_with_price_range_stock_and_components(world, running):
    answer = await command(world, running, "loja")
    cards = product_cards(answer)
    assert all(m["flags"] & 64 for m in cards)  # ephemeral
    premium = card_of(answer, "Chave Premium")
    fields = {f["name"]: f["value"] for f in premium["embeds"][0]["fields"]}
    assert fields["Preço"] == "R$ 19,90 \u2013 R$ 49,90"
    assert fields["Estoque"] == "3 em estoque"
    assert "esgotado" in premium["embeds"][0]["fields"][2]["value"]  # 90 dias
    pid = world.products["prod"].pk
    assert custom_ids(premium) == [f"vt:var:{pid}", f"vt:buy:{pid}", f"vt:add:{pid}"]
    course = card_of(answer, "Curso")
    assert custom_ids(course) == [f"vt:buy:{world.products['single'].pk}",
                                  f"vt:add:{world.products['single'].pk}"]


@EPHEMERAL
async def test_variant_comprar_checkout_pix_then_paid_then_delivered(world, running, mp,
                                                                     settings):
    answer = await command(world, running, "loja")
    premium = card_of(answer, "Chave Premium")
    pid, month = world.products["prod"].pk, world.products["month"].pk
    chosen = await click(world, running, premium, f"vt:var:{pid}", [str(month)], tracked=False)
    assert chosen["response"]["type"] == 7  # the private card itself now carries the pick
    bought = await click(world, running, premium, f"vt:buy:{pid}:{month}")
    checkout = bought["message"]
    order = await orm(lambda: Order.objects.unscoped().get())
    payment = await orm(lambda: Payment.objects.unscoped().get())
    assert order.total_cents == 1990
    assert checkout["content"] == f"```\n{payment.pix_code}\n```"
    embed = checkout["embeds"][0]
    assert embed["title"] == f"Pedido {order.code}"
    assert embed["image"]["url"].endswith("/pix.png")
    [attachment] = checkout["attachments"]
    assert attachment["filename"] == "pix.png"
    assert any(f["name"] == "Expira" for f in embed["fields"])
    [watcher] = list(running.client.store.watchers)
    shown = Recorder(running.client.store, "_show_outcome")

    # The buyer pays; the platform applies it; the checkout message says it is delivering...
    await orm(mp.approve, payment.provider_payment_id)
    await orm(payment_reconcile_one, payment=payment)
    await shown.wait(1)
    flipped = (await world.sb.aio.interaction(bought["id"]))["message"]
    assert flipped["id"] == checkout["id"]
    assert flipped["embeds"][0]["description"] == "Pagamento confirmado — entregando…"
    assert flipped["attachments"] == [] and not flipped["content"]
    assert not watcher.done()  # ...and keeps watching until the delivery is settled

    # The fulfillment worker delivers (run here); the message shows the outcome.
    await orm(run_deliveries, world, settings)
    await asyncio.wait_for(watcher, TIMEOUT)
    done = (await world.sb.aio.interaction(bought["id"]))["message"]
    assert done["embeds"][0]["description"].startswith("Entregue! Confira sua DM")
    assert len(shown.results) == 2
    [dm] = await world.sb.aio.dms(world.buyer["id"])
    assert "KEY-" in dm["content"]

    orders = await command(world, running, "meuspedidos")
    text = orders["message"]["embeds"][0]["description"]
    assert order.code in text and "R$ 19,90" in text
    assert orders["message"]["flags"] & 64


@pytest.mark.parametrize("running", [{"cart_threads": False, "rate_limit_actions": 50}],
                         indirect=True)  # more clicks than a buyer may make in 10 s
async def test_cart_quantity_coupon_and_checkout_button(world, running):
    answer = await command(world, running, "loja")
    course = card_of(answer, "Curso")
    vid = world.products["course"].pk
    added = await click(world, running, course, f"vt:add:{world.products['single'].pk}")
    assert added["message"]["content"].startswith("Adicionado ao carrinho: Curso")

    cart = (await command(world, running, "carrinho"))["message"]
    assert custom_ids(cart) == [f"vt:qty:{vid}:0", f"vt:qty:{vid}:2", f"vt:qty:{vid}:0",
                                "vt:coupon", "vt:checkout:10000"]
    await click(world, running, cart, f"vt:qty:{vid}:2")
    cart = next(m for m in await world.sb.aio.messages(world.channel_id) if m["id"] == cart["id"])
    assert "2\u00d7 Curso" in cart["embeds"][0]["description"]
    assert "vt:checkout:20000" in custom_ids(cart)

    opened = await world.sb.aio.click(world.channel_id, cart["id"], world.buyer["id"],
                                      "vt:coupon")
    modal = await world.sb.aio.interaction(opened["id"], wait=TIMEOUT)
    assert modal["response"]["type"] == 9
    submitted = await world.sb.aio.submit_modal(opened["id"], {"code": "dez"})
    await running.tracker.wait(submitted["id"])
    cart = next(m for m in await world.sb.aio.messages(world.channel_id) if m["id"] == cart["id"])
    fields = {f["name"]: f["value"] for f in cart["embeds"][0]["fields"]}
    assert fields["Cupom"] == "`DEZ`" and fields["Total"] == "**R$ 180,00**"
    assert "vt:checkout:18000" in custom_ids(cart)

    # A bad coupon: the platform's message, as it comes, ephemeral.
    opened = await world.sb.aio.click(world.channel_id, cart["id"], world.buyer["id"],
                                      "vt:coupon")
    await world.sb.aio.interaction(opened["id"], wait=TIMEOUT)
    submitted = await world.sb.aio.submit_modal(opened["id"], {"code": "NADA"})
    await running.tracker.wait(submitted["id"])
    api = BotAPI(world.platform_url, world.token)
    try:
        with pytest.raises(ApiError) as refused:
            await api.coupon_apply(world.buyer["id"], "NADA")
    finally:
        await api.close()
    [error] = (await world.sb.aio.interaction(submitted["id"]))["followups"]
    assert error["content"] == refused.value.message and error["flags"] & 64

    # Finalizar compra twice: one order; the second click is told the cart is empty.
    first = await click(world, running, cart, "vt:checkout:18000")
    assert first["message"]["embeds"], first["message"]["content"]
    assert first["message"]["embeds"][0]["title"].startswith("Pedido ")
    second = await click(world, running, cart, "vt:checkout:18000")
    assert await orm(lambda: Order.objects.unscoped().count()) == 1
    assert second["message"]["content"]  # cart_empty, in the shop's language


async def test_api_errors_are_shown_verbatim(world, running):
    answer = await command(world, running, "loja")
    premium = card_of(answer, "Chave Premium")
    pid, quarter = world.products["prod"].pk, world.products["quarter"].pk
    await click(world, running, premium, f"vt:var:{pid}", [str(quarter)], tracked=False)
    bought = await click(world, running, premium, f"vt:buy:{pid}:{quarter}")
    api = BotAPI(world.platform_url, world.token)
    try:
        with translation.override("pt-br"):
            expected = SalesError("out_of_stock", item=str(world.products["quarter"]),
                                  available=0).message()
        assert bought["message"]["content"] == expected
        assert bought["message"]["flags"] & 64

        await orm(
            lambda: Customer.objects.unscoped().filter(discord_user_id=world.buyer["id"])
            .update(is_blocked=True))
        course = card_of(answer, "Curso")
        blocked = await click(world, running, course, f"vt:buy:{world.products['single'].pk}")
        with translation.override("pt-br"):
            expected = SalesError("customer_blocked").message()
        assert blocked["message"]["content"] == expected
        assert blocked["message"]["flags"] & 64
        assert await orm(lambda: Order.objects.unscoped().count()) == 0
    finally:
        await api.close()


async def test_without_a_choice_a_multi_variant_product_asks_for_one(world, running):
    premium = card_of(await command(world, running, "loja"), "Chave Premium")
    bought = await click(world, running, premium, f"vt:buy:{world.products['prod'].pk}")
    assert bought["message"]["content"] == "Escolha uma opção no menu antes."
    assert await orm(lambda: Order.objects.unscoped().count()) == 0


async def test_vincular_links_the_guild_and_refuses_non_staff(world, running, shop):
    refused = await world.sb.aio.run_command(world.channel_id, world.buyer["id"], "vincular",
                                             {"chave": world.token})
    answer = await world.sb.aio.interaction(refused["id"], wait=TIMEOUT)
    assert answer["message"]["content"].startswith("Só a equipe")
    tenant = await orm(Tenant.objects.get, pk=shop.tenant.pk)
    assert tenant.discord_guild_id == ""

    wrong = await command(world, running, "vincular", user=world.owner,
                          options={"chave": "vtr_abc_def"})
    assert wrong["message"]["content"]  # the platform's unauthorized message
    tenant = await orm(Tenant.objects.get, pk=shop.tenant.pk)
    assert tenant.discord_guild_id == ""

    linked = await command(world, running, "vincular", user=world.owner,
                           options={"chave": world.token})
    assert linked["message"]["content"] == "Servidor vinculado à loja **Loja Alfa**."
    tenant = await orm(Tenant.objects.get, pk=shop.tenant.pk)
    assert tenant.discord_guild_id == world.guild_id


async def test_postar_posts_a_product_and_records_it(world, running):
    product = world.products["single"]
    answer = await command(world, running, "postar", user=world.owner,
                           options={"produto": "curso", "canal": world.channel_id})
    assert answer["message"]["content"].startswith("Produto publicado")
    posted = [m for m in await world.sb.aio.messages(world.channel_id)
              if m["embeds"] and m["embeds"][0]["title"] == "Curso" and not m["flags"] & 64]
    assert len(posted) == 1
    from catalog.models import ProductPost

    post = await orm(lambda: ProductPost.objects.unscoped().get(product=product))
    assert post.message_id == posted[0]["id"]
    # The buttons of the post work for any buyer, also after a restart (persistent ids).
    await running.client.close()


async def test_bad_token_and_missing_intent_exit_78(world, sb):
    from dataclasses import replace

    from bot.__main__ import run
    from bot.config import EXIT_MISCONFIGURED

    config = make_bot(world).config
    assert await run(replace(config, discord_token="not-a-token")) == EXIT_MISCONFIGURED
    await sb.aio.update_application(world.app["id"], intents=0)
    assert await run(config) == EXIT_MISCONFIGURED


@EPHEMERAL
async def test_simular_pagamento_in_the_demo_approves_at_the_sandbox(world, running, mp,
                                                                      settings):
    settings.MERCADOPAGO_SANDBOX = True  # make run's Mercado Pago is the sandbox
    answer = await command(world, running, "loja")
    course = card_of(answer, "Curso")  # one variant: "Comprar" is its first button
    bought = await click(world, running, course, custom_ids(course)[0])
    checkout = bought["message"]
    order = await orm(lambda: Order.objects.unscoped().get())
    assert f"vt:simulate:{order.code}" in custom_ids(checkout)
    simulated = await click(world, running, checkout, f"vt:simulate:{order.code}")
    assert simulated["message"]["content"].startswith("Pagamento simulado")
    payment = await orm(lambda: Payment.objects.unscoped().get())
    assert (await orm(mp.payment, payment.provider_payment_id))["status"] == "approved"


@EPHEMERAL
async def test_no_simulate_button_on_a_real_account(world, running, mp, settings):
    settings.MERCADOPAGO_SANDBOX = False
    answer = await command(world, running, "loja")
    course = card_of(answer, "Curso")
    bought = await click(world, running, course, custom_ids(course)[0])
    assert not any(c.startswith("vt:simulate:") for c in custom_ids(bought["message"]) if c)
