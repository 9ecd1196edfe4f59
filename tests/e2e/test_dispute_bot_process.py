"""A dispute against a sale made through the real bot process: the buyer buys a Discord role
with /loja and PIX, Mercado Pago's sandbox opens a MED return, and the platform (live server,
eager tasks) re-reads the claim, removes the role in the Discord sandbox, freezes the money and
blocks the buyer, whose next purchase through the bot is refused politely."""

from __future__ import annotations

import os

import pytest
from django.utils import translation

from disputes.models import Dispute
from runtime.models import BotRuntime
from sales.errors import SalesError
from sales.models import Order
from sales.services.checkout import order_payment
from tenants.services import instance_token_create
from tests.e2e.test_bot_process import (  # noqa: F401  (fixtures)
    click,
    command,
    eager,
    eventually,
    located,
    mp,
    sb,
    spawn_bot,
    text,
    titled,
)
from tests.sales import factories as f
from wallet.selectors import balances, ledger_verify

pytestmark = pytest.mark.django_db(transaction=True)
MEMBERS = 1 << 1


@pytest.fixture
def world(shop, sb, mp, eager, live_server, settings) -> dict:  # noqa: F811
    settings.PUBLIC_URL = live_server.url  # the payment's notification_url
    settings.DISCORD_API_BASE_URL = f"{sb.url}/api"
    app = sb.create_application("Loja Bot", intents=MEMBERS)
    owner = sb.create_user("lojista")
    buyer = sb.create_user("alice", global_name="Alice")
    guild = sb.create_guild("Loja", [app["id"]], owner_id=owner["id"])
    sb.add_member(guild["id"], buyer["id"])
    role = sb.create_role(guild["id"], "Cliente VIP")
    vip = f.product(shop.tenant, name="VIP", description="Cargo no servidor")
    month = f.variant(vip, label="Mensal", price_cents=2990, fulfillment="role",
                      role_id=role["id"])
    shop.tenant.discord_guild_id = guild["id"]
    shop.tenant.save(update_fields=["discord_guild_id"])
    BotRuntime.objects.update_or_create(tenant=shop.tenant,
                                        defaults={"discord_token": app["token"]})
    _token, raw = instance_token_create(tenant=shop.tenant, actor=shop.owner)
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONUNBUFFERED": "1",
           "DISCORD_TOKEN": app["token"], "PLATFORM_URL": live_server.url,
           "INSTANCE_TOKEN": raw, "DISCORD_API_URL": sb.api_base,
           "DISCORD_GATEWAY_URL": sb.gateway_url, "HEARTBEAT_SECONDS": "30",
           "ORDER_POLL_SECONDS": "0.2", "POSTS_REFRESH_SECONDS": "3600"}
    return {"env": env, "channel": guild["channels"][0]["id"], "buyer": buyer["id"],
            "guild": guild["id"], "role": role["id"], "vip": vip, "month": month,
            "tenant": shop.tenant}


def _roles(sb, world) -> list[str]:  # noqa: F811
    return sb.member(world["guild"], world["buyer"])["roles"]


def test_med_return_removes_the_role_and_blocks_the_buyer(world, sb, mp, spawn_bot):  # noqa: F811
    bot = spawn_bot(world["env"])
    bot.wait_for("READY as")
    shop = command(sb, world, "loja")
    card = (world["channel"], shop["message"])
    click(sb, world, card, f"vt:buy:{world['vip'].pk}")
    order = Order.objects.for_tenant(world["tenant"]).get()
    located(sb, world, titled(f"Pedido {order.code}"), "the PIX checkout")
    payment = order_payment(order=order)
    mp.approve(payment.provider_payment_id)  # signed webhook -> live server -> role granted
    eventually(lambda: world["role"] in _roles(sb, world) or None, "the role granted")
    held = balances(tenant=world["tenant"]).total

    claim = mp.open_med(payment.provider_payment_id)  # the claims notification, signed
    dispute = eventually(lambda: Dispute.objects.for_tenant(world["tenant"]).first(),
                         "the dispute opened")
    assert dispute.external_id == f"claim-{claim['id']}" and dispute.kind == "med"
    eventually(lambda: world["role"] not in _roles(sb, world) or None, "the role removed")
    assert dispute.frozen_cents == 2990 and dispute.buyer_blocked
    assert balances(tenant=world["tenant"]).total == held - 2990  # the whole amount frozen
    assert ledger_verify() == []

    # The blocked buyer tries again through the bot: refused, nothing reserved or charged.
    again = click(sb, world, card, f"vt:buy:{world['vip'].pk}")
    with translation.override("pt-br"):
        refused = SalesError("customer_blocked").message()
    assert text(again) == refused
    assert Order.objects.for_tenant(world["tenant"]).count() == 1
    assert bot.proc.poll() is None, bot.log
