"""Role grants, their plain-words failures, timed expiry and removal on refund."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

from payments.models import Payment
from payments.registry import Outcome, dispatch
from sales import tasks
from sales.models import Delivery
from tests.fulfillment.conftest import buy
from tests.sales import factories as f


def _role_variant(world, role_id: str, **extra):
    return f.variant(f.product(world.tenant, "VIP"), "Mensal", fulfillment="role",
                     role_id=role_id, **extra)


def _roles(world) -> list[str]:
    return world.sb.member(world.guild_id, world.buyer_id)["roles"]


def test_role_is_granted(world, django_capture_on_commit_callbacks):
    role = world.sb.create_role(world.guild_id, "Cliente VIP")
    order = buy(world, _role_variant(world, role["id"]), capture=django_capture_on_commit_callbacks)
    assert role["id"] in _roles(world)
    assert order.status == "delivered"


def test_role_above_the_bot_fails_with_a_plain_reason(world, settings):
    settings.LANGUAGE_CODE = "en"
    role = world.sb.create_role(world.guild_id, "Admin VIP", position=None)
    order = buy(world, _role_variant(world, role["id"]))
    tasks.deliver_order(world.tenant.pk, order.pk)
    delivery = Delivery.objects.for_tenant(world.tenant).get(order=order)
    assert delivery.state == "failed" and delivery.attempts == 1
    assert "the bot's role must be above 'Admin VIP' in Server Settings → Roles" in \
        delivery.last_error
    order.refresh_from_db()
    assert order.status == "delivery_failed" and role["id"] not in _roles(world)


def test_buyer_who_left_the_server_fails_with_a_reason(world, settings):
    settings.LANGUAGE_CODE = "en"
    role = world.sb.create_role(world.guild_id, "Cliente VIP")
    order = buy(world, _role_variant(world, role["id"]))
    world.sb.leave_guild(world.guild_id, world.buyer_id)
    tasks.deliver_order(world.tenant.pk, order.pk)
    delivery = Delivery.objects.for_tenant(world.tenant).get(order=order)
    assert delivery.state == "failed"
    assert delivery.last_error.startswith("The buyer is not in the server")


def test_timed_role_is_removed_by_the_sweep_when_it_ends(world):
    role = world.sb.create_role(world.guild_id, "Cliente VIP")
    order = buy(world, _role_variant(world, role["id"], duration_days=30))
    tasks.deliver_order(world.tenant.pk, order.pk)
    delivery = Delivery.objects.for_tenant(world.tenant).get(order=order)
    assert delivery.expires_at and role["id"] in _roles(world)

    assert tasks.role_expiry_sweep() == 0  # not yet
    with time_machine.travel(timezone.now() + timedelta(days=30, minutes=1), tick=False):
        assert tasks.role_expiry_sweep() == 1
    assert role["id"] not in _roles(world)
    delivery.refresh_from_db()
    assert delivery.state == "revoked"
    assert tasks.role_expiry_sweep() == 0


def test_refund_removes_the_role_at_once(world, django_capture_on_commit_callbacks):
    role = world.sb.create_role(world.guild_id, "Cliente VIP")
    order = buy(world, _role_variant(world, role["id"]), capture=django_capture_on_commit_callbacks)
    assert role["id"] in _roles(world)
    payment = Payment.objects.for_tenant(world.tenant).get(payable_id=order.pk)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch(payment, Outcome.REFUNDED)
    assert role["id"] not in _roles(world)
    assert Delivery.objects.for_tenant(world.tenant).get(order=order).state == "revoked"
