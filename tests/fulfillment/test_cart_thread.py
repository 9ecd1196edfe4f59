"""Closed DMs: the buyer's cart thread, then the shop's fallback channel, then a failure."""

from __future__ import annotations

from catalog.models import StockItem
from sales import tasks
from sales.models import Delivery
from sales.services import customer_set_cart_thread
from tests.fulfillment.conftest import buy
from tests.sales import factories as f


def _cart_thread(world, thread_id: str | None = None) -> str:
    if thread_id is None:
        thread_id = world.sb.create_channel(world.guild_id, "carrinho-alice", 12)["id"]
    customer_set_cart_thread(customer=world.customer, thread_id=thread_id)
    return thread_id


def _fallback(world) -> str:
    channel = world.sb.create_channel(world.guild_id, "entregas")
    world.tenant.settings = {"fallback_channel_id": channel["id"]}
    world.tenant.save(update_fields=["settings"])
    return channel["id"]


def _fallback_threads(world, channel_id: str) -> list[dict]:
    return [c for c in world.sb.guild(world.guild_id)["threads"]
            if c.get("parent_id") == channel_id]


def _deliver(world, keys: int = 1):
    order = buy(world, f.variant(f.product(world.tenant), keys=keys))
    tasks.deliver_order(world.tenant.pk, order.pk)
    order.refresh_from_db()
    return order, StockItem.objects.for_tenant(world.tenant).get(order_ref=order.pk).content


def test_open_dms_are_still_the_first_choice(world):
    thread_id = _cart_thread(world)
    order, key = _deliver(world)
    assert key in world.sb.dms(world.buyer_id)[-1]["content"]
    assert world.sb.messages(thread_id) == [] and order.status == "delivered"


def test_closed_dms_deliver_in_the_cart_thread_with_a_mention(world):
    thread_id = _cart_thread(world)
    fallback_id = _fallback(world)
    world.sb.set_dms_open(world.buyer_id, False)
    order, key = _deliver(world)

    posted = world.sb.messages(thread_id)
    assert len(posted) == 1
    assert posted[0]["content"].startswith(f"<@{world.buyer_id}>\n") and key in \
        posted[0]["content"]
    assert _fallback_threads(world, fallback_id) == []  # the fallback was not needed
    assert order.status == "delivered"


def test_gone_cart_thread_falls_back_to_the_shop_channel(world):
    _cart_thread(world, "123456789012345678")  # deleted since: Discord answers 10003
    fallback_id = _fallback(world)
    world.sb.set_dms_open(world.buyer_id, False)
    order, key = _deliver(world)

    (thread,) = _fallback_threads(world, fallback_id)
    assert key in world.sb.messages(thread["id"])[-1]["content"]
    assert order.status == "delivered"


def test_all_three_closed_fails_permanently_with_the_reason(world, settings):
    settings.LANGUAGE_CODE = "en"
    _cart_thread(world, "123456789012345678")
    world.sb.set_dms_open(world.buyer_id, False)
    order, _key = _deliver(world)

    delivery = Delivery.objects.for_tenant(world.tenant).get(order=order)
    assert (delivery.state, delivery.attempts, delivery.failure_code) == \
        ("failed", 1, "dms_closed")
    assert delivery.last_error.startswith("Buyer has DMs closed")
    assert order.status == "delivery_failed"
