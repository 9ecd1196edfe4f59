"""Staff notices in the shop's log channel: new sale, failed delivery, low stock."""

from __future__ import annotations

import logging

from catalog.models import StockItem
from sales import tasks
from sales.models import Delivery
from tests.fulfillment.conftest import buy
from tests.sales import factories as f


def _log_channel(world, **options) -> str:
    channel = world.sb.create_channel(world.guild_id, "staff-log")
    world.tenant.settings = {"log_channel_id": channel["id"], **options}
    world.tenant.save(update_fields=["settings"])
    return channel["id"]


def _posted(world, channel_id: str) -> list[str]:
    return [m["content"] for m in world.sb.messages(channel_id)]


def _english(world) -> None:
    world.tenant.locale = "en"
    world.tenant.save(update_fields=["locale"])


def test_new_sale_is_posted_without_the_keys(world, django_capture_on_commit_callbacks):
    _english(world)
    channel_id = _log_channel(world)
    v = f.variant(f.product(world.tenant, "Chave Steam"), "Global", keys=5)
    order = buy(world, v, quantity=2, capture=django_capture_on_commit_callbacks)

    posted = _posted(world, channel_id)
    assert len(posted) == 1
    text = posted[0]
    assert text.startswith(f"🛒 New sale #{order.code} by <@{world.buyer_id}>: R$39.80")
    assert "2x Chave Steam · Global — R$39.80" in text
    sold = StockItem.objects.for_tenant(world.tenant).filter(order_ref=order.pk)
    assert sold.count() == 2 and not any(item.content in text for item in sold)
    assert order.status == "delivered"  # the notice changed nothing in the sale


def test_failed_delivery_alerts_the_staff_with_the_reason(world, settings,
                                                          django_capture_on_commit_callbacks):
    settings.LANGUAGE_CODE = "en"
    _english(world)
    channel_id = _log_channel(world, notify_sales=False)
    world.sb.set_dms_open(world.buyer_id, False)  # no DM and no fallback channel: it fails
    order = buy(world, f.variant(f.product(world.tenant, "Curso"), keys=1),
                capture=django_capture_on_commit_callbacks)

    delivery = Delivery.objects.for_tenant(world.tenant).get(order=order)
    assert delivery.state == "failed" and delivery.failure_code == "dms_closed"
    posted = _posted(world, channel_id)
    assert posted == [f"⚠️ Delivery failed for order #{order.code} (<@{world.buyer_id}>, "
                      f"Stock items): {delivery.last_error}"]
    key = StockItem.objects.for_tenant(world.tenant).get(order_ref=order.pk).content
    assert key not in posted[0]


def test_low_stock_is_posted_when_a_sale_crosses_the_threshold(
        world, django_capture_on_commit_callbacks):
    _english(world)
    channel_id = _log_channel(world, notify_sales=False)
    v = f.variant(f.product(world.tenant, "Chave Steam"), "Global", keys=3,
                  low_stock_threshold=2)
    buy(world, v, capture=django_capture_on_commit_callbacks)
    assert _posted(world, channel_id) == [
        "📉 Low stock: Chave Steam · Global has 2 left (alert at 2)."]


def test_notices_speak_the_shop_language(world, django_capture_on_commit_callbacks):
    world.tenant.locale = "pt-br"
    world.tenant.save(update_fields=["locale"])
    channel_id = _log_channel(world, notify_sales=False)
    world.sb.set_dms_open(world.buyer_id, False)
    order = buy(world, f.variant(f.product(world.tenant), keys=1),
                capture=django_capture_on_commit_callbacks)
    # The delivery kind is rendered under the shop's language, whatever the worker's is.
    text = _posted(world, channel_id)[0]
    assert f"#{order.code}" in text and "Itens de estoque" in text and "Stock items" not in text


def test_switched_off_or_unset_channel_sends_nothing(world, django_capture_on_commit_callbacks):
    channel_id = _log_channel(world, notify_sales=False, notify_low_stock=False)
    v = f.variant(f.product(world.tenant), keys=2, low_stock_threshold=5)
    buy(world, v, capture=django_capture_on_commit_callbacks)
    assert _posted(world, channel_id) == []

    world.tenant.settings = {}  # no channel: no notice, whatever the switches say
    world.tenant.save(update_fields=["settings"])
    buy(world, v, capture=django_capture_on_commit_callbacks)
    assert _posted(world, channel_id) == []
    assert len(world.sb.dms(world.buyer_id)) == 2  # both sales were delivered


def test_deleted_log_channel_is_logged_not_retried(world, caplog,
                                                   django_capture_on_commit_callbacks):
    caplog.set_level(logging.INFO, logger="sales.fulfillment.notices")
    world.tenant.settings = {"log_channel_id": "123456789012345678"}  # no such channel
    world.tenant.save(update_fields=["settings"])
    order = buy(world, f.variant(f.product(world.tenant), keys=1),
                capture=django_capture_on_commit_callbacks)
    assert order.status == "delivered"
    assert tasks.deliver_staff_notice(world.tenant.pk, "sale", order.pk) == "failed"
    assert "staff_notice.undeliverable" in caplog.text and "10003" in caplog.text


def test_failure_notice_is_dropped_when_the_delivery_succeeded_meanwhile(world):
    channel_id = _log_channel(world)
    order = buy(world, f.variant(f.product(world.tenant), keys=1))
    tasks.deliver_order(world.tenant.pk, order.pk)
    delivery = Delivery.objects.for_tenant(world.tenant).get(order=order)
    assert tasks.deliver_staff_notice(world.tenant.pk, "failure", delivery.pk) == "skipped"
    assert _posted(world, channel_id) == []
