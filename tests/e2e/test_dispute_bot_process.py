"""Disputes against sales made through the real bot process: the buyer buys a Discord role with
/loja (PIX, or card on Mercado Pago's hosted checkout), Mercado Pago's sandbox opens a MED
return or a card chargeback, and the platform (live server, eager tasks) re-reads it, removes
the role in the Discord sandbox, freezes the money and blocks the buyer, whose next purchase
through the bot is refused politely. A won chargeback releases the money; a lost one after the
shop withdrew leaves a debt."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import time_machine
from django.utils import timezone, translation

from disputes.models import Dispute
from sales.errors import SalesError
from sales.models import Order
from sales.services.checkout import order_payment
from tests.disputes.conftest import enable_card
from tests.e2e.test_bot_process import (  # noqa: F401  (fixtures)
    bot_env,
    click,
    command,
    custom_ids,
    eager,
    eventually,
    located,
    mp,
    sandbox_guild,
    sb,
    spawn_bot,
    text,
    titled,
)
from tests.sales import factories as f
from wallet import services as wallet
from wallet.selectors import balances, ledger_verify

pytestmark = pytest.mark.django_db(transaction=True)
MEMBERS = 1 << 1


@pytest.fixture
def world(shop, sb, mp, eager, live_server, settings) -> dict:  # noqa: F811
    settings.PUBLIC_URL = live_server.url  # the payment's notification_url
    settings.DISCORD_API_BASE_URL = f"{sb.url}/api"
    app, buyer, guild = sandbox_guild(sb, shop.tenant)
    role = sb.create_role(guild["id"], "Cliente VIP")
    vip = f.product(shop.tenant, name="VIP", description="Cargo no servidor")
    month = f.variant(vip, label="Mensal", price_cents=2990, fulfillment="role",
                      role_id=role["id"])
    env = bot_env(shop, sb, app, live_server)
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


def _buy_by_card(sb, mp, world) -> tuple[Order, str]:  # noqa: F811
    """/loja, add the role to the cart, check out by card, pay on the hosted page: the
    webhook reaches the live server and fulfillment grants the role."""
    shop = command(sb, world, "loja")
    card = (world["channel"], shop["message"])
    click(sb, world, card, f"vt:add:{world['vip'].pk}")
    by_card = "vt:checkout:2990:card"
    cart = located(sb, world, lambda m: by_card in custom_ids(m), "the cart with card")
    click(sb, world, cart, by_card)
    order = Order.objects.for_tenant(world["tenant"]).get()
    payment = order_payment(order=order)
    assert payment.method == "card" and payment.preference_id
    answer = requests.post(f"{mp.url}/checkout/v1/pay", allow_redirects=False, timeout=5,
                           data={"pref_id": payment.preference_id, "card": "APRO",
                                 "email": "alice@example.com", "payment_method_id": "master"})
    provider_id = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))["payment_id"]
    eventually(lambda: world["role"] in _roles(sb, world) or None, "the role granted")
    return order, provider_id


def _opened(world) -> Dispute:
    return eventually(lambda: Dispute.objects.for_tenant(world["tenant"]).first(),
                      "the dispute opened")


def test_chargeback_removes_the_role_freezes_funds_and_won_releases_them(
        world, sb, mp, spawn_bot):  # noqa: F811
    enable_card(world["tenant"])
    bot = spawn_bot(world["env"])
    bot.wait_for("READY as")
    order, provider_id = _buy_by_card(sb, mp, world)
    held = balances(tenant=world["tenant"]).total

    chargeback = mp.open_chargeback(provider_id)  # the chargebacks notification, signed
    dispute = _opened(world)
    assert (dispute.external_id, dispute.kind, dispute.order_id) == \
        (chargeback["id"], "chargeback", order.pk)
    eventually(lambda: world["role"] not in _roles(sb, world) or None, "the role removed")
    dispute.refresh_from_db()
    assert dispute.frozen_cents == 2990 and dispute.buyer_blocked and dispute.deadline_at
    assert balances(tenant=world["tenant"]).total == held - 2990
    assert ledger_verify() == []

    mp.resolve_chargeback(chargeback["id"], won=True)
    eventually(lambda: Dispute.objects.for_tenant(world["tenant"]).filter(
        pk=dispute.pk, state="won").first(), "the dispute won")
    assert balances(tenant=world["tenant"]).total == held  # released
    assert ledger_verify() == []
    assert bot.proc.poll() is None, bot.log


def test_chargeback_lost_after_a_withdrawal_leaves_a_debt(world, sb, mp, spawn_bot,  # noqa: F811
                                                         shop):
    enable_card(world["tenant"])
    bot = spawn_bot(world["env"])
    bot.wait_for("READY as")
    _order, provider_id = _buy_by_card(sb, mp, world)
    with time_machine.travel(timezone.now() + timedelta(days=60), tick=False):
        wallet.releases_run()
        net = balances(tenant=world["tenant"]).available
        assert net > 0
        withdrawal = wallet.withdrawal_request(tenant=world["tenant"], actor=shop.owner,
                                               amount_cents=net, pix_key_type="email",
                                               pix_key="dono@example.com")
    assert balances(tenant=world["tenant"]).available == 0

    chargeback = mp.open_chargeback(provider_id)
    dispute = _opened(world)
    eventually(lambda: world["role"] not in _roles(sb, world) or None, "the role removed")
    assert balances(tenant=world["tenant"]).available == -2990  # already withdrawn: a debt
    mp.resolve_chargeback(chargeback["id"], won=False)
    eventually(lambda: Dispute.objects.for_tenant(world["tenant"]).filter(
        pk=dispute.pk, state="lost").first(), "the dispute lost")
    assert balances(tenant=world["tenant"]).available == -2990  # the debit is final
    withdrawal.refresh_from_db()
    assert withdrawal.status == "pending"
    assert ledger_verify() == []
    assert bot.proc.poll() is None, bot.log
