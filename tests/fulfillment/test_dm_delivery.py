"""Stock and content deliveries by DM, the DMs-closed fallback, and re-sends."""

from __future__ import annotations

import logging

from catalog.models import MessageTemplate, StockItem
from config.metrics import DELIVERIES
from sales import tasks
from sales.fulfillment import services as fulfillment
from sales.models import Delivery, OrderEvent
from tests.fulfillment.conftest import buy
from tests.sales import factories as f


def _dm_text(world) -> str:
    return "\n".join(m["content"] for m in world.sb.dms(world.buyer_id))


def test_paid_order_delivers_keys_by_dm(world, django_capture_on_commit_callbacks):
    v = f.variant(f.product(world.tenant, "Chave Steam"), "Global", keys=3)
    before = DELIVERIES.labels(result="done", reason="stock")._value.get()
    order = buy(world, v, quantity=2, capture=django_capture_on_commit_callbacks)

    sold = list(StockItem.objects.for_tenant(world.tenant).filter(order_ref=order.pk)
                .values_list("content", flat=True))
    text = _dm_text(world)
    assert len(sold) == 2 and all(key in text for key in sold)
    assert f"#{order.code}" in text and "Chave Steam" in text and "R$ 39,80" in text
    assert order.status == "delivered"
    delivery = Delivery.objects.for_tenant(world.tenant).get(order=order)
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("done", 1, "")
    events = list(OrderEvent.objects.for_tenant(world.tenant).filter(order=order)
                  .values_list("to_status", flat=True))
    assert events[-3:] == ["paid", "delivering", "delivered"]
    assert DELIVERIES.labels(result="done", reason="stock")._value.get() == before + 1


def test_shop_template_in_its_locale_renders_content(world):
    world.tenant.locale = "en"
    world.tenant.save(update_fields=["locale"])
    MessageTemplate.objects.create(tenant=world.tenant, kind="delivery", locale="en",
                                   body="Yo {{buyer}}, {{product}}/{{variant}}: {{items}}")
    v = f.variant(f.product(world.tenant, "Curso"), "Vitalício", fulfillment="content",
                  content="https://example.com/curso")
    order = buy(world, v)
    tasks.deliver_order(world.tenant.pk, order.pk)
    assert _dm_text(world) == f"Yo <@{world.buyer_id}>, Curso/Vitalício: https://example.com/curso"


def test_dms_closed_falls_back_to_a_private_thread(world):
    channel = world.sb.create_channel(world.guild_id, "entregas")
    world.tenant.settings = {"fallback_channel_id": channel["id"]}
    world.tenant.save(update_fields=["settings"])
    world.sb.set_dms_open(world.buyer_id, False)
    v = f.variant(f.product(world.tenant), keys=1)
    order = buy(world, v)
    tasks.deliver_order(world.tenant.pk, order.pk)

    guild = world.sb.guild(world.guild_id)
    thread = next(c for c in guild["threads"] if c.get("parent_id") == channel["id"])
    assert thread["type"] == 12 and world.buyer_id in thread["thread_member_ids"]
    posted = world.sb.messages(thread["id"])[-1]["content"]
    key = StockItem.objects.for_tenant(world.tenant).get(order_ref=order.pk).content
    assert posted.startswith(f"<@{world.buyer_id}>") and key in posted
    order.refresh_from_db()
    assert order.status == "delivered" and world.sb.dms(world.buyer_id) == []


def test_dms_closed_without_fallback_fails_with_the_reason(world, settings):
    settings.LANGUAGE_CODE = "en"
    world.sb.set_dms_open(world.buyer_id, False)
    order = buy(world, f.variant(f.product(world.tenant), keys=1))
    tasks.deliver_order(world.tenant.pk, order.pk)
    delivery = Delivery.objects.for_tenant(world.tenant).get(order=order)
    assert delivery.state == "failed"
    assert delivery.last_error == ("Buyer has DMs closed; ask them to open DMs and use "
                                   "/meuspedidos to re-send")
    order.refresh_from_db()
    assert order.status == "delivery_failed"
    assert order.events.last().reason == delivery.last_error


def test_resend_sends_the_same_keys_and_sells_nothing(world, django_capture_on_commit_callbacks):
    v = f.variant(f.product(world.tenant), keys=3)
    order = buy(world, v, capture=django_capture_on_commit_callbacks)
    sold_before = set(StockItem.objects.for_tenant(world.tenant).filter(status="sold")
                      .values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        assert fulfillment.delivery_resend(order=order, actor="bot") == 1
    dms = world.sb.dms(world.buyer_id)
    assert len(dms) == 2 and dms[0]["content"] == dms[1]["content"]
    assert set(StockItem.objects.for_tenant(world.tenant).filter(status="sold")
               .values_list("pk", flat=True)) == sold_before
    assert StockItem.objects.for_tenant(world.tenant).filter(status="available").count() == 2


def test_failed_delivery_retry_after_the_buyer_opens_dms(world, django_capture_on_commit_callbacks):
    world.sb.set_dms_open(world.buyer_id, False)
    order = buy(world, f.variant(f.product(world.tenant), keys=2),
                capture=django_capture_on_commit_callbacks)
    assert order.status == "delivery_failed"
    world.sb.set_dms_open(world.buyer_id, True)
    with django_capture_on_commit_callbacks(execute=True):
        assert fulfillment.delivery_resend(order=order, actor=world.tenant.owner) == 1
    order.refresh_from_db()
    assert order.status == "delivered"
    assert len(world.sb.dms(world.buyer_id)) == 1
    assert StockItem.objects.for_tenant(world.tenant).filter(status="sold").count() == 1


def test_rate_limit_is_waited_out(world):
    world.sb.rate_limit("POST", "/channels/{channel_id}/messages", count=2, retry_after=0.01)
    order = buy(world, f.variant(f.product(world.tenant), keys=1))
    tasks.deliver_order(world.tenant.pk, order.pk)
    order.refresh_from_db()
    assert order.status == "delivered" and len(world.sb.dms(world.buyer_id)) == 1
    assert [r["remaining"] for r in world.sb.rate_limits()] == [0]  # both 429s were served


def test_bad_token_fails_and_no_secret_is_logged(world, caplog, settings):
    settings.LANGUAGE_CODE = "en"
    caplog.set_level(logging.DEBUG)
    from runtime.models import BotRuntime

    bad = "not-the-token-" + world.token
    BotRuntime.objects.for_tenant(world.tenant).update(discord_token=bad)
    order = buy(world, f.variant(f.product(world.tenant), keys=1))
    key = StockItem.objects.for_tenant(world.tenant).get(order_ref=order.pk).content
    tasks.deliver_order(world.tenant.pk, order.pk)
    delivery = Delivery.objects.for_tenant(world.tenant).get(order=order)
    assert delivery.state == "failed" and "token" in delivery.last_error
    assert bad not in delivery.last_error
    for text in (caplog.text, delivery.last_error):
        assert bad not in text and world.token not in text and key not in text


def test_a_delivery_claimed_again_after_its_worker_died_sends_no_second_dm(
        world, django_capture_on_commit_callbacks):
    """The worker died after Discord took the DM, before the row was marked done: the
    stale-claim sweep hands it out again, and the second attempt finds the DM already there."""
    v = f.variant(f.product(world.tenant, "Chave Steam"), "Global", keys=1)
    order = buy(world, v, capture=django_capture_on_commit_callbacks)
    delivery = Delivery.objects.for_tenant(world.tenant).get(order=order)
    assert len(world.sb.dms(world.buyer_id)) == 1
    # As the dead worker left it: claimed once, still running, Discord already holding the DM.
    Delivery.objects.for_tenant(world.tenant).filter(pk=delivery.pk).update(
        state=Delivery.State.PENDING, done_at=None)
    outcome = fulfillment.delivery_run(tenant_id=world.tenant.pk, delivery_id=delivery.pk)

    assert outcome.result == "done"
    assert len(world.sb.dms(world.buyer_id)) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("done", 2)
    # A re-send the buyer asked for is sent, though the same text is in the channel.
    assert fulfillment.delivery_send_again(tenant_id=world.tenant.pk,
                                           delivery_id=delivery.pk).result == "done"
    assert len(world.sb.dms(world.buyer_id)) == 2
