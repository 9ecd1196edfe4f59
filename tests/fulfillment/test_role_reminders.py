"""A day before a timed role ends, the buyer is told once, in the shop's language."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from payments.models import Payment
from payments.registry import Outcome, dispatch
from sales import tasks
from sales.models import Delivery
from tests.fulfillment.conftest import buy
from tests.sales import factories as f


def _timed_role(world, days: int = 30) -> Delivery:
    world.tenant.locale = "en"
    world.tenant.save(update_fields=["locale"])
    role = world.sb.create_role(world.guild_id, "Cliente VIP")
    v = f.variant(f.product(world.tenant, "VIP"), "Mensal", fulfillment="role",
                  role_id=role["id"], duration_days=days)
    order = buy(world, v)
    tasks.deliver_order(world.tenant.pk, order.pk)
    delivery = Delivery.objects.for_tenant(world.tenant).get(order=order)
    assert delivery.state == "done" and delivery.expires_at
    return delivery


def _at(delivery: Delivery, before_end: timedelta):
    return time_machine.travel(delivery.expires_at - before_end, tick=False)


def test_not_sent_two_days_before(world):
    delivery = _timed_role(world)
    with _at(delivery, timedelta(days=2)):
        assert tasks.role_reminder_sweep() == 0
    assert world.sb.dms(world.buyer_id) == []


def test_sent_once_within_the_last_day(world):
    delivery = _timed_role(world)
    with _at(delivery, timedelta(hours=20)):
        assert tasks.role_reminder_sweep() == 1
        assert tasks.role_reminder_sweep() == 0  # claimed: the next sweep sends nothing
        assert tasks.role_remind(world.tenant.pk, delivery.pk) == "skipped"  # nor a replay
    (dm,) = world.sb.dms(world.buyer_id)
    ends = int(delivery.expires_at.timestamp())
    assert dm["content"] == (f"Your role “Cliente VIP” in {world.tenant.name} ends <t:{ends}:R>. "
                             "To keep it, renew with /loja.")
    delivery.refresh_from_db()
    assert delivery.reminded_at is not None and delivery.state == "done"


def test_not_sent_for_a_refunded_order(world, django_capture_on_commit_callbacks):
    delivery = _timed_role(world)
    payment = Payment.objects.for_tenant(world.tenant).get(payable_id=delivery.order_id)
    with django_capture_on_commit_callbacks(execute=False):  # the removal has not run yet
        dispatch(payment, Outcome.REFUNDED)
    # A refund that raced the grant leaves the role "done" until the revoke sweep runs.
    Delivery.objects.for_tenant(world.tenant).filter(pk=delivery.pk).update(state="done")
    with _at(delivery, timedelta(hours=20)):
        assert tasks.role_reminder_sweep() == 0
        assert tasks.role_remind(world.tenant.pk, delivery.pk) == "skipped"
    assert world.sb.dms(world.buyer_id) == []


def test_closed_dms_drop_the_reminder(world):
    delivery = _timed_role(world)
    world.sb.set_dms_open(world.buyer_id, False)
    with _at(delivery, timedelta(hours=3)):
        assert tasks.role_reminder_sweep() == 1
        assert tasks.role_reminder_sweep() == 0  # dropped, not retried forever
    delivery.refresh_from_db()
    assert delivery.reminded_at is not None


def test_expired_roles_are_not_reminded(world):
    delivery = _timed_role(world)
    with time_machine.travel(delivery.expires_at + timedelta(minutes=1), tick=False):
        assert tasks.role_reminder_sweep() == 0
