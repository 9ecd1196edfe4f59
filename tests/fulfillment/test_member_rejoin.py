"""A buyer who was not in the server when their role was due gets it when they join."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from payments.models import Payment
from payments.registry import Outcome, dispatch
from sales import tasks
from sales.models import Delivery
from tenants.services import instance_token_create
from tests.api.conftest import BotClient
from tests.fulfillment.conftest import buy
from tests.sales import factories as f

JOINED = "members/joined/"


@pytest.fixture
def bot(world) -> BotClient:
    return BotClient(instance_token_create(tenant=world.tenant, actor=world.tenant.owner)[1])


@pytest.fixture
def other_bot(other_shop) -> BotClient:
    return BotClient(instance_token_create(tenant=other_shop.tenant, actor=other_shop.owner)[1])


def _failed_for_absence(world, settings) -> tuple[Delivery, str]:
    settings.LANGUAGE_CODE = "en"
    role = world.sb.create_role(world.guild_id, "Cliente VIP")
    order = buy(world, f.variant(f.product(world.tenant, "VIP"), "Mensal", fulfillment="role",
                                 role_id=role["id"]))
    world.sb.leave_guild(world.guild_id, world.buyer_id)
    tasks.deliver_order(world.tenant.pk, order.pk)
    delivery = Delivery.objects.for_tenant(world.tenant).get(order=order)
    assert (delivery.state, delivery.failure_code) == ("failed", "unknown_member")
    assert delivery.last_error.startswith("The buyer is not in the server")
    return delivery, role["id"]


def test_role_is_granted_when_the_buyer_joins(world, settings, bot,
                                              django_capture_on_commit_callbacks):
    delivery, role_id = _failed_for_absence(world, settings)
    world.sb.add_member(world.guild_id, world.buyer_id)
    with django_capture_on_commit_callbacks(execute=True):
        response = bot.post(JOINED, {"discord_user_id": world.buyer_id})
    assert response.status_code == 200 and response.json() == {"requeued": 1}

    assert role_id in world.sb.member(world.guild_id, world.buyer_id)["roles"]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.failure_code, delivery.last_error) == ("done", "", "")
    delivery.order.refresh_from_db()
    assert delivery.order.status == "delivered"
    event = AuditEvent.objects.get(action="delivery.requeue")
    assert event.tenant == world.tenant and event.target_id == str(delivery.pk)
    # Joining again finds nothing left to do.
    assert bot.post(JOINED, {"discord_user_id": world.buyer_id}).json() == {"requeued": 0}


def test_another_shops_token_requeues_nothing(world, settings, other_bot,
                                              django_capture_on_commit_callbacks):
    delivery, role_id = _failed_for_absence(world, settings)
    world.sb.add_member(world.guild_id, world.buyer_id)
    with django_capture_on_commit_callbacks(execute=True):
        response = other_bot.post(JOINED, {"discord_user_id": world.buyer_id})
    assert response.status_code == 200 and response.json() == {"requeued": 0}
    delivery.refresh_from_db()
    assert delivery.state == "failed"
    assert role_id not in world.sb.member(world.guild_id, world.buyer_id)["roles"]
    assert not AuditEvent.objects.filter(action="delivery.requeue").exists()


def test_refunded_order_is_not_granted_again(world, settings, bot,
                                             django_capture_on_commit_callbacks):
    delivery, _role_id = _failed_for_absence(world, settings)
    payment = Payment.objects.for_tenant(world.tenant).get(payable_id=delivery.order_id)
    dispatch(payment, Outcome.REFUNDED)
    world.sb.add_member(world.guild_id, world.buyer_id)
    with django_capture_on_commit_callbacks(execute=True):
        assert bot.post(JOINED, {"discord_user_id": world.buyer_id}).json() == {"requeued": 0}
    delivery.refresh_from_db()
    assert delivery.state == "failed"


def test_other_failures_are_not_requeued_by_a_join(world, settings, bot):
    settings.LANGUAGE_CODE = "en"
    role = world.sb.create_role(world.guild_id, "Admin VIP", position=None)  # above the bot
    order = buy(world, f.variant(f.product(world.tenant, "VIP"), fulfillment="role",
                                 role_id=role["id"]))
    tasks.deliver_order(world.tenant.pk, order.pk)
    delivery = Delivery.objects.for_tenant(world.tenant).get(order=order)
    assert delivery.failure_code == "missing_permissions"
    assert bot.post(JOINED, {"discord_user_id": world.buyer_id}).json() == {"requeued": 0}
    delivery.refresh_from_db()
    assert delivery.state == "failed"


def test_unknown_or_malformed_members(world, bot):
    assert bot.post(JOINED, {"discord_user_id": "99999999999999999"}).json() == {"requeued": 0}
    for body in ({"discord_user_id": "abc"}, {"discord_user_id": "1" * 21}, {},
                 {"discord_user_id": ["1"]}):
        response = bot.post(JOINED, body)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_request"
    response = bot.post(JOINED, {"discord_user_id": world.buyer_id, "pad": "x" * 70_000})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert BotClient("vtr_nope_nope").post(JOINED, {"discord_user_id": world.buyer_id}
                                           ).status_code == 401
