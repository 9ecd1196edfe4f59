"""The buyer hears in Discord when their PIX expires or is cancelled."""

from __future__ import annotations

import logging

from django.db import transaction

from payments.registry import Outcome, dispatch
from sales import services, tasks
from sales.models import Order
from tests.sales import factories as f


def _pending(world):
    v = f.variant(f.product(world.tenant), keys=1)
    services.cart_add(customer=world.customer, variant_id=v.pk)
    return services.checkout(customer=world.customer)


def _dispatch(result, outcome, capture) -> None:
    with capture(execute=True), transaction.atomic():
        dispatch(result.payment, outcome)
        dispatch(result.payment, outcome)  # a replay tells nobody twice


def test_expired_pix_is_told_in_the_shops_language(world, settings,
                                                   django_capture_on_commit_callbacks):
    settings.LANGUAGE_CODE = "en"
    world.tenant.locale = "en"
    world.tenant.save(update_fields=["locale"])
    result = _pending(world)
    _dispatch(result, Outcome.EXPIRED, django_capture_on_commit_callbacks)
    dms = [m["content"] for m in world.sb.dms(world.buyer_id)]
    assert dms == [f"Your payment for order #{result.order.code} expired; use /loja to buy "
                   "again."]
    assert Order.objects.for_tenant(world.tenant).get(pk=result.order.pk).status == "expired"


def test_cancelled_pix_in_portuguese(world, django_capture_on_commit_callbacks):
    world.tenant.locale = "pt-br"
    world.tenant.save(update_fields=["locale"])
    result = _pending(world)
    _dispatch(result, Outcome.CANCELLED, django_capture_on_commit_callbacks)
    dms = [m["content"] for m in world.sb.dms(world.buyer_id)]
    assert len(dms) == 1 and f"#{result.order.code}" in dms[0] and "/loja" in dms[0]


def test_closed_dms_are_logged_not_retried(world, caplog, django_capture_on_commit_callbacks):
    world.sb.set_dms_open(world.buyer_id, False)
    result = _pending(world)
    with caplog.at_level(logging.INFO, logger="sales.fulfillment.services"):
        _dispatch(result, Outcome.EXPIRED, django_capture_on_commit_callbacks)
    assert world.sb.dms(world.buyer_id) == []
    assert "payment_notice.undeliverable" in caplog.text
    # A permanent failure ends the task (no retry); it says so.
    assert tasks.deliver_payment_notice(world.tenant.pk, result.order.pk, "expired") == "failed"
