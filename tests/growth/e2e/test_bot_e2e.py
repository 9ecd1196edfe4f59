"""Growth end to end with the real bot process (`python -m bot`) and the Discord sandbox.

Same wiring as tests/e2e/test_bot_process.py (live server, Mercado Pago sandbox webhooks,
Celery eager): the buyer acts through the sandbox's control API, the bot reports storefront
views and member joins to the platform, and the platform's Discord work (the reminder DM, the
feed, the customer role, the welcome) goes through Discord REST with the shop's token.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from growth import tasks
from growth.models import CartRecovery, Event, GrowthSettings, NotificationOptOut
from sales.models import Order
from sales.services.checkout import order_payment
from tests.e2e.test_bot_process import (
    click,
    command,
    custom_ids,
    eventually,
    located,
    pay,
    settled,
    text,
    titled,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _configure(world, **fields) -> GrowthSettings:
    row, _ = GrowthSettings.objects.for_tenant(world["tenant"]).update_or_create(
        tenant=world["tenant"], defaults=fields)
    return row


def _start(world, sb, spawn_bot):
    tenant = world["tenant"]
    tenant.discord_guild_id = world["guild"]
    tenant.save(update_fields=["discord_guild_id"])
    bot = spawn_bot({**world["env"], "RATE_LIMIT_ACTIONS": "200"})
    bot.wait_for("READY as")
    return bot


def _posted(sb, channel_id: str) -> list[dict]:
    """The platform's POST /channels/<id>/messages exchanges with Discord (request, status)."""
    return [e for e in sb.exchanges() if e["method"] == "POST"
            and e["path"] == f"/channels/{channel_id}/messages"]


def _cards(sb, world) -> dict[str, tuple[str, dict]]:
    shop = command(sb, world, "loja", cards=2)
    return {m["embeds"][0]["title"]: (world["channel"], m)
            for m in [shop["message"], *shop["followups"]]}


def test_abandoned_cart_reminder_with_a_coupon_the_buyer_uses(world, sb, mp, spawn_bot,
                                                              client_for, shop):
    role = sb.create_role(world["guild"], "Cliente")
    _configure(world, recovery_enabled=True, recovery_delay_minutes=30,
               recovery_coupon_percent=10, customer_role_id=role["id"],
               customer_role_remove_on_refund=True)
    _start(world, sb, spawn_bot)
    cards = _cards(sb, world)
    # The bot reported the storefront view and both cards (fire-and-forget, so wait for it).
    eventually(lambda: Event.objects.for_tenant(world["tenant"]).filter(
        kind="product_view").count() == 2, "the storefront view reported by the bot")
    course = cards["Curso"]
    added = click(sb, world, course, f"vt:add:{world['course'].pk}")
    assert text(added).startswith("Adicionado ao carrinho: Curso")
    assert Event.objects.for_tenant(world["tenant"]).filter(kind="cart_add").count() == 1

    # The buyer walks away; 31 minutes later the beat sweep sends the one reminder.
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):
        tasks.recovery_sweep()
    dm = eventually(lambda: next((m["content"] for m in sb.dms(world["buyer"])
                                  if "carrinho" in m["content"]), None), "the reminder DM")
    code = re.search(r"\*\*(VOLTE-[0-9A-F]{6})\*\*", dm).group(1)
    assert "Curso · Vitalício" in dm and "10% de desconto" in dm
    tasks.recovery_sweep()
    assert len(sb.dms(world["buyer"])) == 1  # one per cart

    # Back in the server: the cart's coupon button, the code from the DM, checkout, pay.
    cart = located(sb, world, lambda m: "vt:coupon" in custom_ids(m), "the cart message")
    opened = sb.click(cart[0], cart[1]["id"], world["buyer"], "vt:coupon")
    assert settled(sb, opened["id"])["response"]["type"] == 9  # the coupon modal
    settled(sb, sb.submit_modal(opened["id"], {"code": code})["id"])
    discounted = f"vt:checkout:{10000 - 1000}"
    cart = located(sb, world, lambda m: discounted in custom_ids(m), "the discounted cart")
    click(sb, world, cart, discounted)
    order = Order.objects.for_tenant(world["tenant"]).get()
    assert (order.coupon_code, order.total_cents) == (code, 9000)
    located(sb, world, titled(f"Pedido {order.code}"), "the PIX checkout")
    pay(mp, sb, world, order)

    recovery = CartRecovery.objects.for_tenant(world["tenant"]).get()
    assert (recovery.state, recovery.order_id, recovery.recovered_cents) == \
        ("recovered", order.pk, 9000)
    # First paid order: the customer role.
    eventually(lambda: role["id"] in sb.member(world["guild"], world["buyer"])["roles"],
               "the customer role")
    # The owner sees the recovered cart on the analytics page.
    page = client_for(shop.owner).get(reverse("portal:growth_analytics",
                                              args=[world["tenant"].slug])).content.decode()
    assert 'data-testid="recovered">1<' in page
    assert "R$\xa090,00" in page or "R$ 90,00" in page

    # Refunded in full (from Mercado Pago's dashboard: its webhook reaches the live server):
    # the buyer has no paid order left, so the customer role goes.
    mp.refund(order_payment(order=order).provider_payment_id)
    eventually(lambda: role["id"] not in sb.member(world["guild"], world["buyer"])["roles"]
               or None, "the customer role removed")


def test_a_burst_of_20_sales_is_at_most_a_few_feed_messages(world, sb, mp,
                                                           spawn_bot):
    feed = sb.create_channel(world["guild"], "vendas")["id"]
    _configure(world, feed_enabled=True, feed_channel_id=feed, feed_buyer="mention",
               feed_show_amount=True)
    from catalog.services import stock_add

    stock_add(variant=world["month"], actor=None,
              lines=[f"BURST-{i:03d}" for i in range(20)])
    _start(world, sb, spawn_bot)
    premium = _cards(sb, world)["Chave Premium"]
    pid, vid = world["premium"].pk, world["month"].pk
    click(sb, world, premium, f"vt:var:{pid}", [str(vid)])
    for _ in range(20):
        click(sb, world, premium, f"vt:buy:{pid}:{vid}")
    orders = list(Order.objects.for_tenant(world["tenant"]).order_by("pk"))
    assert len(orders) == 20
    with ThreadPoolExecutor(4) as pool:  # Mercado Pago approves them all at once
        list(pool.map(lambda o: mp.approve(order_payment(order=o).provider_payment_id),
                      orders))
    eventually(lambda: Order.objects.for_tenant(world["tenant"]).filter(
        status="delivered").count() == 20, "20 orders delivered")
    tasks.feed_flush(world["tenant"].pk)  # the flush the first sale scheduled
    messages = sb.messages(feed)
    lines = [ln for m in messages for ln in m["content"].splitlines() if "comprou" in ln]
    assert len(lines) == 20 and 1 <= len(messages) <= 3, [m["content"] for m in messages]
    assert all(f"<@{world['buyer']}> comprou **Chave Premium · 30 dias** — R$" in ln
               for ln in lines)
    print(f"\nfeed: 20 sales -> {len(messages)} messages")
    posts = _posted(sb, feed)
    assert len(posts) == len(messages) and {e["status"] for e in posts} == {200}  # no 429
    # Buyers are shown as mentions but never pinged by the feed.
    assert all(e["request"]["allowed_mentions"] == {"users": []} for e in posts)


def test_new_member_is_welcomed_and_notificacoes_turns_reminders_off(world, sb, mp,
                                                                    spawn_bot):
    welcome = sb.create_channel(world["guild"], "boas-vindas")["id"]
    _configure(world, welcome_enabled=True, welcome_channel_id=welcome)
    _start(world, sb, spawn_bot)
    newcomer = sb.create_user("bruno", global_name="Bruno")
    sb.add_member(world["guild"], newcomer["id"])  # GUILD_MEMBER_ADD reaches the bot
    message = eventually(lambda: next(iter(sb.messages(welcome)), None), "the welcome")
    assert message["content"].startswith(f"<@{newcomer['id']}> Loja Alfa dá as boas-vindas!")
    [post] = _posted(sb, welcome)
    assert post["request"]["allowed_mentions"] == {"users": [newcomer["id"]]}  # pinged

    ran = sb.run_command(world["channel"], world["buyer"], "notificacoes", {"estado": "off"})
    answer = settled(sb, ran["id"])
    assert text(answer).startswith("Lembretes desligados")
    assert NotificationOptOut.objects.for_tenant(world["tenant"]).filter(
        customer__discord_user_id=world["buyer"]).exists()
