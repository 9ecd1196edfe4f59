"""/repostar and product posts kept current by the bot's refresh loop (real bot, real API)."""

from __future__ import annotations

import asyncio

import pytest

from catalog.models import ProductPost
from catalog.services import variant_save
from sandbox.discord.testing import running_client
from tests.bot.conftest import TIMEOUT, Tracker, World, make_bot, orm
from tests.bot.test_storefront import command

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def _posted(messages: list[dict], title: str) -> list[dict]:
    return [m for m in messages
            if m["embeds"] and m["embeds"][0]["title"] == title and not m["flags"] & 64]


async def test_repostar_sends_a_new_post_and_records_it(world, running):
    product = world.products["single"]
    await command(world, running, "postar", user=world.owner,
                  options={"produto": "curso", "canal": world.channel_id})
    [first] = _posted(await world.sb.aio.messages(world.channel_id), "Curso")

    refused = await command(world, running, "repostar", options={"produto": "curso"})
    [reply] = refused["followups"] or [refused["message"]]
    assert reply["content"].startswith("Só a equipe")

    answer = await command(world, running, "repostar", user=world.owner,
                           options={"produto": "curso"})
    [reply] = answer["followups"] or [answer["message"]]
    assert reply["content"].startswith("Produto publicado de novo")
    [second] = _posted(await world.sb.aio.messages(world.channel_id), "Curso")
    assert second["id"] != first["id"]  # the old post was replaced
    post = await orm(lambda: ProductPost.objects.unscoped().get(product=product))
    assert post.message_id == second["id"] and post.channel_id == world.channel_id


async def test_changed_products_posts_are_edited_by_the_loop(world, running, shop):
    await command(world, running, "postar", user=world.owner,
                  options={"produto": "curso", "canal": world.channel_id})
    await running.client.close()  # the fixture's bot has a 60 s loop; use a fast one

    def change_price() -> None:
        variant = world.products["course"]
        variant_save(product=variant.product, actor=shop.owner, variant=variant,
                     price_cents=12345)

    await orm(change_price)
    client = make_bot(world, posts_refresh_seconds=0.05)
    Tracker(client.store)
    passes = asyncio.Condition()
    edited: list[int] = []
    original = client.store.refresh_posts

    async def refresh(bot):
        count = await original(bot)
        async with passes:
            edited.append(count)
            passes.notify_all()
        return count

    client.store.refresh_posts = refresh
    async with running_client(client, world.app["token"], timeout=TIMEOUT), passes:
        await asyncio.wait_for(passes.wait_for(lambda: sum(edited) >= 1), TIMEOUT)
        await asyncio.wait_for(passes.wait_for(lambda: len(edited) >= 3), TIMEOUT)
    assert sum(edited) == 1  # once edited and recorded, later passes find nothing to do
    [post] = _posted(await world.sb.aio.messages(world.channel_id), "Curso")
    fields = {f["name"]: f["value"] for f in post["embeds"][0]["fields"]}
    assert fields["Preço"] == "R$ 123,45"
    record = await orm(lambda: ProductPost.objects.unscoped().get())
    assert not record.needs_refresh and record.message_id == post["id"]


async def test_refresh_pass_without_changes_does_nothing(world: World, running):
    assert await running.client.store.refresh_posts(running.client) == 0


def _delivered_and_reviewed(tenant, variant, stars: int) -> None:
    """A delivered order of `variant` and its buyer's review (trust marks the product's posts
    for refresh)."""
    from django.db import transaction

    from payments.registry import Outcome, dispatch
    from sales import services as sales
    from sales.models import Order
    from tests.sales import factories as f
    from trust import services as trust

    buyer = f.customer(tenant, "4242", "Bia")
    sales.cart_add(customer=buyer, variant_id=variant.pk, quantity=1)
    result = sales.checkout(customer=buyer)
    with transaction.atomic():
        dispatch(result.payment, Outcome.APPROVED)
    Order.objects.for_tenant(tenant).filter(pk=result.order.pk).update(status="delivered")
    trust.review_submit(tenant=tenant, code=result.order.code, discord_user_id="4242",
                        stars=stars, comment="")


async def test_a_review_puts_the_average_on_the_product_post(world, running, shop):
    await command(world, running, "postar", user=world.owner,
                  options={"produto": "curso", "canal": world.channel_id})
    [post] = _posted(await world.sb.aio.messages(world.channel_id), "Curso")
    assert "Avaliações" not in {f["name"] for f in post["embeds"][0]["fields"]}
    await orm(_delivered_and_reviewed, shop.tenant, world.products["course"], 5)
    assert await orm(lambda: ProductPost.objects.unscoped().get().needs_refresh)

    assert await running.client.store.refresh_posts(running.client) == 1  # the loop's pass
    [post] = _posted(await world.sb.aio.messages(world.channel_id), "Curso")
    fields = {f["name"]: f["value"] for f in post["embeds"][0]["fields"]}
    assert fields["Avaliações"] == "⭐ 5,0 · 1"
    # /repostar (and /postar) carry it from the start.
    await command(world, running, "repostar", user=world.owner, options={"produto": "curso"})
    [post] = _posted(await world.sb.aio.messages(world.channel_id), "Curso")
    assert {f["name"]: f["value"] for f in post["embeds"][0]["fields"]}["Avaliações"] == \
        "⭐ 5,0 · 1"
