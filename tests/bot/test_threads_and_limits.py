"""Cart threads, the per-buyer rate limit, the checkout message following the delivery, and
member joins: the real bot against the Discord sandbox and the real platform."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.ratelimit import UserBuckets
from catalog.services import stock_add
from payments.models import Payment
from payments.services import payment_reconcile_one
from sales import services
from sales.models import CartLine, Customer, Delivery, Order
from tenants.models import Tenant
from tests.bot.conftest import TIMEOUT, Recorder, Running, World, orm, run_deliveries
from tests.bot.test_storefront import card_of, command, custom_ids
from tests.sales import factories as f

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def click_in(world: World, running: Running, channel_id: str, message: dict,
                   custom_id: str, user: dict | None = None) -> dict[str, Any]:
    done = await world.sb.aio.click(channel_id, message["id"], (user or world.buyer)["id"],
                                    custom_id)
    await running.tracker.wait(done["id"])
    return await world.sb.aio.interaction(done["id"], wait=TIMEOUT)


async def threads_of(world: World, guild_id: str | None = None) -> list[dict[str, Any]]:
    return (await world.sb.aio.guild(guild_id or world.guild_id))["threads"]


def reply_of(answer: dict) -> dict:
    return (answer["followups"] or [answer["message"]])[-1]


# -- rate limit ---------------------------------------------------------------------------------
async def test_buckets_refill_and_forget_idle_users():
    now = [100.0]
    buckets = UserBuckets(3, 6.0, clock=lambda: now[0], max_users=2)
    assert [buckets.take(1) for _ in range(4)] == [0.0, 0.0, 0.0, pytest.approx(2.0)]
    now[0] += 2.0  # one action back (3 per 6 s)
    assert buckets.take(1) == 0.0 and buckets.take(1) > 0
    buckets.take(2)
    now[0] += 6.0
    buckets.take(3)  # a third user: 1 and 2 are idle (full again) and forgotten
    assert len(buckets) == 1


async def test_spamming_add_to_cart_is_slowed_down(world, running):
    store = running.client.store
    store.rate.clock = lambda: 5000.0  # time stands still: no refill during the spam
    course = card_of(await command(world, running, "loja"), "Curso")
    pid = world.products["single"].pk
    await orm(stock_add, variant=world.products["course"], actor=None,
              lines=[f"MORE-{i}" for i in range(10)])  # stock is not what stops the spam
    answers = [await click_in(world, running, world.channel_id, course, f"vt:add:{pid}")
               for _ in range(9)]
    slowed = [a for a in answers if a["message"] and a["message"]["content"].startswith("Calma!")]
    assert len(slowed) == 3 and all(a["message"]["flags"] & 64 for a in slowed)
    assert slowed[0]["message"]["content"].endswith("Tente de novo em 2 s.")
    quantity = await orm(lambda: CartLine.objects.unscoped().get().quantity)
    assert quantity == store.rate.capacity == 6  # the platform never saw the other 3

    store.rate.clock = lambda: 5002.0  # 2 s later: one more action
    await click_in(world, running, world.channel_id, course, f"vt:add:{pid}")
    assert await orm(lambda: CartLine.objects.unscoped().get().quantity) == 7


# -- member join --------------------------------------------------------------------------------
def _failed_role_order(world: World, mp: Any, role_id: str) -> Delivery:
    tenant = world.products["prod"].tenant
    Tenant.objects.filter(pk=tenant.pk).update(discord_guild_id=world.guild_id)
    vip = f.variant(f.product(tenant, name="VIP"), label="Mensal", price_cents=500,
                    fulfillment="role", role_id=role_id)
    customer = services.customer_upsert(tenant=tenant, discord_user_id=world.buyer["id"],
                                        display_name="Alice")
    services.cart_add(customer=customer, variant_id=vip.pk)
    result = services.checkout(customer=customer)
    mp.approve(result.payment.provider_payment_id)
    payment_reconcile_one(payment=result.payment)
    Order.objects.unscoped().update(status="delivery_failed")
    delivery = Delivery.objects.unscoped().get(kind=Delivery.Kind.ROLE)
    Delivery.objects.unscoped().filter(pk=delivery.pk).update(
        state=Delivery.State.FAILED, failure_code="unknown_member", last_error="Unknown Member")
    return delivery


async def test_member_join_requeues_failed_roles(world, running, mp):
    role = await world.sb.aio.create_role(world.guild_id, "VIP")
    delivery = await orm(_failed_role_order, world, mp, role["id"])
    joins = Recorder(running.client.store, "member_joined")

    other = await world.sb.aio.create_guild("Outra", [world.app["id"]], owner_id=world.owner["id"])
    await world.sb.aio.add_member(other["id"], world.buyer["id"])  # not the shop's server
    bot = await world.sb.aio.create_application("Outro bot")
    await world.sb.aio.call("POST", f"/_sandbox/guilds/{world.guild_id}/bots",
                            {"app_id": bot["id"]})
    await world.sb.aio.leave_guild(world.guild_id, world.buyer["id"])
    await world.sb.aio.add_member(world.guild_id, world.buyer["id"])  # the buyer is back
    back = await joins.until(lambda args, _result: args[0].guild.id == int(world.guild_id)
                             and args[0].id == int(world.buyer["id"]))
    assert back == 1
    by_guild = {(args[0].guild.id, args[0].bot): result for args, result in joins.results}
    assert by_guild[(int(other["id"]), False)] is None  # not the linked server: not reported
    assert by_guild.get((int(world.guild_id), True)) is None  # bots are never reported
    after = await orm(lambda: Delivery.objects.unscoped().get(pk=delivery.pk))
    assert after.state == Delivery.State.PENDING and after.failure_code == ""


# -- cart threads -------------------------------------------------------------------------------
async def test_cart_thread_created_reused_and_one_order_per_double_click(world, running):
    course = card_of(await command(world, running, "loja"), "Curso")
    pid = world.products["single"].pk
    added = await click_in(world, running, world.channel_id, course, f"vt:add:{pid}")
    [thread] = await threads_of(world)
    assert thread["type"] == 12 and thread["parent_id"] == world.channel_id
    assert thread["name"] == "🛒 Carrinho · Alice"
    assert thread["thread_metadata"]["invitable"] is False
    assert world.buyer["id"] in thread["thread_member_ids"]
    pointer = reply_of(added)
    assert pointer["flags"] & 64 and f"<#{thread['id']}>" in pointer["content"]
    customer = await orm(lambda: Customer.objects.unscoped().get(
        discord_user_id=world.buyer["id"]))
    assert customer.cart_thread_id == thread["id"]  # the platform remembers it

    [cart] = await world.sb.aio.messages(thread["id"])
    assert not cart["flags"] & 64 and cart["embeds"][0]["title"] == "Seu carrinho"
    assert "vt:checkout:10000" in custom_ids(cart)

    shown = await command(world, running, "carrinho")  # /carrinho: same thread, new message
    assert f"<#{thread['id']}>" in reply_of(shown)["content"]
    assert [t["id"] for t in await threads_of(world)] == [thread["id"]]
    assert len(await world.sb.aio.messages(thread["id"])) == 2

    # Finalizar compra, double click, inside the thread: one order, posted there.
    first, second = await asyncio.gather(
        click_in(world, running, thread["id"], cart, "vt:checkout:10000"),
        click_in(world, running, thread["id"], cart, "vt:checkout:10000"))
    assert await orm(lambda: Order.objects.unscoped().count()) == 1
    order = await orm(lambda: Order.objects.unscoped().get())
    posted = [m for m in await world.sb.aio.messages(thread["id"])
              if m["embeds"] and m["embeds"][0]["title"] == f"Pedido {order.code}"]
    assert len(posted) == 1 and not posted[0]["flags"] & 64
    texts = [m["content"] for a in (first, second) for m in [a["message"], *a["followups"]] if m]
    assert any(texts)  # the second click is told the cart is empty

    # The thread is deleted: the next add opens a new one and the platform is told.
    await running.client.http.delete_channel(int(thread["id"]))
    await click_in(world, running, world.channel_id, course, f"vt:add:{pid}")
    [new] = await threads_of(world)
    assert new["id"] != thread["id"] and world.buyer["id"] in new["thread_member_ids"]
    customer = await orm(lambda: Customer.objects.unscoped().get(pk=customer.pk))
    assert customer.cart_thread_id == new["id"]


async def test_without_thread_permission_the_cart_stays_ephemeral(world, running):
    guild = await world.sb.aio.create_guild("Sem tópicos", [world.app["id"]],
                                            owner_id=world.owner["id"],
                                            bot_permissions=(1 << 10) | (1 << 11))
    await world.sb.aio.add_member(guild["id"], world.buyer["id"])
    channel_id = guild["channels"][0]["id"]
    ran = await world.sb.aio.run_command(channel_id, world.buyer["id"], "loja", {})
    await running.tracker.wait(ran["id"])
    course = card_of(await world.sb.aio.interaction(ran["id"], wait=TIMEOUT), "Curso")
    added = await click_in(world, running, channel_id, course,
                           f"vt:add:{world.products['single'].pk}")
    message = reply_of(added)
    assert message["content"].startswith("Adicionado ao carrinho: Curso")
    assert message["flags"] & 64 and message["embeds"][0]["title"] == "Seu carrinho"
    assert await threads_of(world, guild["id"]) == []


# -- checkout outcome in the thread -------------------------------------------------------------
async def test_checkout_in_thread_follows_payment_and_delivery(world, running, mp, settings):
    course = card_of(await command(world, running, "loja"), "Curso")
    bought = await click_in(world, running, world.channel_id, course,
                            f"vt:buy:{world.products['single'].pk}")
    [thread] = await threads_of(world)
    order = await orm(lambda: Order.objects.unscoped().get())
    assert order.code in reply_of(bought)["content"] and f"<#{thread['id']}>" in \
        reply_of(bought)["content"]
    [checkout] = await world.sb.aio.messages(thread["id"])
    payment = await orm(lambda: Payment.objects.unscoped().get())
    assert checkout["content"] == f"```\n{payment.pix_code}\n```"
    [watcher] = list(running.client.store.watchers)
    shown = Recorder(running.client.store, "_show_outcome")

    await orm(mp.approve, payment.provider_payment_id)
    await orm(payment_reconcile_one, payment=payment)
    await shown.wait(1)
    [paid] = await world.sb.aio.messages(thread["id"])
    assert paid["id"] == checkout["id"]
    assert paid["embeds"][0]["description"] == "Pagamento confirmado — entregando…"

    await world.sb.aio.set_dms_open(world.buyer["id"], False)  # delivered in the thread instead
    assert await orm(run_deliveries, world, settings) == ["delivered"]
    await asyncio.wait_for(watcher, TIMEOUT)
    messages = {m["id"]: m for m in await world.sb.aio.messages(thread["id"])}
    assert messages[checkout["id"]]["embeds"][0]["description"].startswith("Entregue!")
    assert any("KEY-" in m["content"] for m in messages.values())


@pytest.mark.parametrize("running", [{"cart_threads": False}], indirect=True)
async def test_failed_delivery_tells_the_buyer_what_to_do(world, running, mp, settings):
    course = card_of(await command(world, running, "loja"), "Curso")
    bought = await click_in(world, running, world.channel_id, course,
                            f"vt:buy:{world.products['single'].pk}")
    [watcher] = list(running.client.store.watchers)
    payment = await orm(lambda: Payment.objects.unscoped().get())
    await orm(mp.approve, payment.provider_payment_id)
    await orm(payment_reconcile_one, payment=payment)
    await world.sb.aio.set_dms_open(world.buyer["id"], False)  # no thread, no fallback channel
    assert await orm(run_deliveries, world, settings) == ["delivery_failed"]
    await asyncio.wait_for(watcher, TIMEOUT)
    text = (await world.sb.aio.interaction(bought["id"]))["message"]["embeds"][0]["description"]
    assert "a entrega falhou" in text and "/meuspedidos" in text and "equipe" in text
