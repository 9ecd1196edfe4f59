"""The sales feed (batched), the customer role and the welcome, against the Discord sandbox."""

from __future__ import annotations

from growth import tasks
from growth.models import FeedItem, RoleGrant, Welcome
from growth.services.welcome import member_joined
from money import format_money
from payments.models import Payment
from payments.registry import Outcome, dispatch
from tests.fulfillment.conftest import buy
from tests.sales import factories as f


def _feed_channel(world):
    return world.sb.create_channel(world.guild_id, "vendas")["id"]


def test_a_burst_of_sales_is_one_feed_message(world, configure,
                                              django_capture_on_commit_callbacks):
    channel = _feed_channel(world)
    configure(feed_enabled=True, feed_channel_id=channel, feed_buyer="name",
              feed_show_amount=True)
    variant = f.variant(f.product(world.tenant, "Chave Premium"), "30 dias", 1990, keys=20)
    for _ in range(20):  # paid within one batch window: no flush runs yet
        buy(world, variant)
    assert world.sb.messages(channel) == []
    assert FeedItem.objects.for_tenant(world.tenant).filter(state="waiting").count() == 20
    tasks.feed_flush(world.tenant.pk)  # what the scheduled flush (or the sweep) runs
    [message] = world.sb.messages(channel)
    lines = message["content"].splitlines()
    assert len(lines) == 21  # a header and one line per sale
    assert lines[1] == f"🛒 Alice comprou **Chave Premium · 30 dias** — {format_money(1990)}"
    assert message["mentions"] == []
    assert tasks.feed_flush(world.tenant.pk) == 0  # nothing left: posted once


def test_first_sale_schedules_one_flush_and_the_buyer_can_be_a_mention_or_anonymous(
        world, configure, django_capture_on_commit_callbacks):
    channel = _feed_channel(world)
    configure(feed_enabled=True, feed_channel_id=channel, feed_buyer="mention")
    variant = f.variant(f.product(world.tenant, "Curso"), "Vitalício", 10000, keys=3)
    buy(world, variant, capture=django_capture_on_commit_callbacks)  # eager: flushed at once
    [first] = world.sb.messages(channel)
    assert first["content"] == f"🛒 <@{world.buyer_id}> comprou **Curso · Vitalício**"
    configure(feed_enabled=True, feed_channel_id=channel, feed_buyer="anonymous")
    buy(world, variant, capture=django_capture_on_commit_callbacks)  # inside the window
    assert len(world.sb.messages(channel)) == 1
    tasks.feed_flush(world.tenant.pk)
    assert world.sb.messages(channel)[-1]["content"] == "🛒 Alguém comprou **Curso · Vitalício**"


def test_feed_off_posts_nothing(world, django_capture_on_commit_callbacks):
    buy(world, f.variant(f.product(world.tenant), keys=1),
        capture=django_capture_on_commit_callbacks)
    assert not FeedItem.objects.for_tenant(world.tenant).exists()


def _roles(world) -> list[str]:
    return world.sb.member(world.guild_id, world.buyer_id)["roles"]


def test_customer_role_after_first_paid_order_and_removed_on_full_refund(
        world, configure, django_capture_on_commit_callbacks):
    role = world.sb.create_role(world.guild_id, "Cliente")
    configure(customer_role_id=role["id"], customer_role_remove_on_refund=True)
    variant = f.variant(f.product(world.tenant), keys=2)
    order = buy(world, variant, capture=django_capture_on_commit_callbacks)
    assert role["id"] in _roles(world)
    assert RoleGrant.objects.for_tenant(world.tenant).get().state == "granted"
    payment = Payment.objects.for_tenant(world.tenant).get(payable_id=order.pk)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch(payment, Outcome.REFUNDED)
    assert role["id"] not in _roles(world)
    assert RoleGrant.objects.for_tenant(world.tenant).get().state == "removed"
    buy(world, variant, capture=django_capture_on_commit_callbacks)  # buys again: back
    assert role["id"] in _roles(world)


def test_refund_keeps_the_role_while_another_order_stays_paid(
        world, configure, django_capture_on_commit_callbacks):
    role = world.sb.create_role(world.guild_id, "Cliente")
    configure(customer_role_id=role["id"], customer_role_remove_on_refund=True)
    variant = f.variant(f.product(world.tenant), keys=2)
    first = buy(world, variant, capture=django_capture_on_commit_callbacks)
    buy(world, variant, capture=django_capture_on_commit_callbacks)
    payment = Payment.objects.for_tenant(world.tenant).get(payable_id=first.pk)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch(payment, Outcome.REFUNDED)
    assert role["id"] in _roles(world)


def test_welcome_once_per_member_in_the_channel_with_the_catalogue_link(
        world, configure, django_capture_on_commit_callbacks):
    from catalog.models import ProductPost

    channel = world.sb.create_channel(world.guild_id, "boas-vindas")["id"]
    configure(welcome_enabled=True, welcome_channel_id=channel)
    product = f.product(world.tenant, "Chave Premium")
    ProductPost.objects.create(tenant=world.tenant, product=product, channel_id="123",
                               message_id="456")
    newcomer = world.sb.create_user("bruno")
    with django_capture_on_commit_callbacks(execute=True):
        assert member_joined(tenant=world.tenant, discord_user_id=newcomer["id"])
    with django_capture_on_commit_callbacks(execute=True):
        assert not member_joined(tenant=world.tenant, discord_user_id=newcomer["id"])
    [message] = world.sb.messages(channel)
    link = f"https://discord.com/channels/{world.guild_id}/123/456"
    assert message["content"] == f"<@{newcomer['id']}> Loja Alfa dá as boas-vindas!\n" \
                                 f"Veja o que vendemos: {link}"
    assert Welcome.objects.for_tenant(world.tenant).get().state == "sent"


def test_welcome_by_dm_without_a_channel_and_not_when_off(world, configure,
                                                          django_capture_on_commit_callbacks):
    newcomer = world.sb.create_user("carla")
    world.sb.add_member(world.guild_id, newcomer["id"])
    assert not member_joined(tenant=world.tenant, discord_user_id=newcomer["id"])
    configure(welcome_enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        member_joined(tenant=world.tenant, discord_user_id=newcomer["id"])
    [dm] = world.sb.dms(newcomer["id"])
    assert dm["content"] == "Loja Alfa dá as boas-vindas!\nDigite /loja para ver o que vendemos."


def test_feed_to_a_channel_that_is_gone_fails_its_lines_once(world, configure):
    configure(feed_enabled=True, feed_channel_id="123456789012345678", feed_buyer="name")
    buy(world, f.variant(f.product(world.tenant), keys=1))
    assert tasks.feed_flush(world.tenant.pk) == 0  # Discord 10003: retrying cannot help
    assert FeedItem.objects.for_tenant(world.tenant).get().state == "failed"
    assert tasks.feed_flush(world.tenant.pk) == 0
