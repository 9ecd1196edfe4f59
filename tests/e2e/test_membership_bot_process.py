"""Memberships with the real bot process (`python -m bot`), the Discord sandbox, the live
platform (eager tasks) and the Mercado Pago sandbox (tests/e2e/test_bot_process.py's wiring):

- /assinar -> tier -> PIX; Mercado Pago approves (signed webhook to the live server) and the
  role is given; /assinatura -> switch up, the prorated PIX paid, the roles swapped; cancel,
  the role kept to the end of the paid period, then removed by the due-time sweep;
- /vincular-kofi with the emailed one-time code; a Ko-fi subscription that arrived before the
  link (from the Ko-fi emulator, to the live webhook) is applied and its tier's role given.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from memberships import services, tasks
from memberships.models import KofiEvent, Member, MemberCharge, Tier
from payments.models import Payment
from sandbox.kofi import KofiEmulator
from tests.e2e.test_bot_process import (  # noqa: F401  (fixtures)
    bot_env,
    click,
    command,
    custom_ids,
    eager,
    eventually,
    mp,
    sandbox_guild,
    sb,
    settled,
    spawn_bot,
)
from wallet.models import LedgerTransaction

pytestmark = pytest.mark.django_db(transaction=True)
MEMBERS = 1 << 1
KOFI_TOKEN = "kofi-e2e-verification-token"
EMAIL = "alice@supporter.example"


@pytest.fixture
def world(shop, sb, mp, eager, live_server, settings) -> dict[str, Any]:  # noqa: F811
    settings.PUBLIC_URL = live_server.url  # Mercado Pago's notification_url, the QR image
    settings.DISCORD_API_BASE_URL = f"{sb.url}/api"  # the role jobs' and DMs' REST calls
    tenant = shop.tenant
    app, buyer, guild = sandbox_guild(sb, tenant)
    roles = {name: sb.create_role(guild["id"], name)["id"] for name in ("Prata", "Ouro")}
    tiers = {"prata": Tier.objects.create(tenant=tenant, name="Prata", role_id=roles["Prata"],
                                          price_cents=1990, period="monthly"),
             "ouro": Tier.objects.create(tenant=tenant, name="Ouro", role_id=roles["Ouro"],
                                         price_cents=4990, period="monthly",
                                         kofi_tier_name="Ouro Club")}
    env = bot_env(shop, sb, app, live_server)
    return {"env": env, "channel": guild["channels"][0]["id"], "buyer": buyer["id"],
            "guild": guild["id"], "roles": roles, "tiers": tiers, "tenant": tenant,
            "live_url": live_server.url}


def _roles(sb, world) -> list[str]:  # noqa: F811
    return sb.member(world["guild"], world["buyer"])["roles"]


def _last(answer: dict[str, Any]) -> dict[str, Any]:
    """The bot's last message in an interaction: its latest followup, or the reply."""
    return answer["followups"][-1] if answer["followups"] else answer["message"]


def _run(sb, world, name: str, options: dict | None = None) -> dict[str, Any]:  # noqa: F811
    ran = sb.run_command(world["channel"], world["buyer"], name, options)
    return settled(sb, ran["id"])


def _latest_payment(world) -> Payment:
    return Payment.objects.for_tenant(world["tenant"]).order_by("-pk").first()


def _member(world) -> Member:
    return Member.objects.for_tenant(world["tenant"]).select_related("tier").get()


def test_subscribe_switch_up_cancel_and_end_through_the_bot_process(
        world, sb, mp, spawn_bot):  # noqa: F811
    bot = spawn_bot(world["env"])
    bot.wait_for("READY as")
    prata, ouro = world["tiers"]["prata"], world["tiers"]["ouro"]

    offer = command(sb, world, "assinar")["message"]
    assert [f["name"] for f in offer["embeds"][0]["fields"]] == ["Prata", "Ouro"]
    methods = _last(click(sb, world, (world["channel"], offer), "vt:ms:tier", [str(prata.pk)]))
    assert custom_ids(methods) == [f"vt:ms:pay:{prata.pk}:pix", f"vt:ms:pay:{prata.pk}:card"]
    sent = _last(click(sb, world, (world["channel"], methods), f"vt:ms:pay:{prata.pk}:pix"))
    first = _latest_payment(world)
    assert sent["content"] == f"```\n{first.pix_code}\n```"
    assert sent["embeds"][0]["title"] == "Assinatura · Prata"

    mp.approve(first.provider_payment_id)  # signed webhook -> live server -> role job (eager)
    eventually(lambda: world["roles"]["Prata"] in _roles(sb, world) or None, "the Prata role")
    assert _member(world).status == "active"
    assert LedgerTransaction.objects.for_tenant(world["tenant"]).filter(
        key=f"sale:{first.pk}").exists()

    # /assinatura: switch up to Ouro, prorated; paid, the roles are swapped at once.
    card = _run(sb, world, "assinatura")["message"]
    fields = {f["name"]: f["value"] for f in card["embeds"][0]["fields"]}
    assert fields["Plano"] == "Prata" and fields["Situação"] == "Ativa"
    assert custom_ids(card) == ["vt:ms:switch", "vt:ms:cancel"]
    upgrade = _last(click(sb, world, (world["channel"], card), "vt:ms:switch", [str(ouro.pk)]))
    charge = MemberCharge.objects.for_tenant(world["tenant"]).get(kind="upgrade")
    assert 0 < charge.amount_cents <= ouro.price_cents - prata.price_cents
    assert _latest_payment(world).pix_code in upgrade["content"]
    mp.approve(_latest_payment(world).provider_payment_id)
    eventually(lambda: (world["roles"]["Ouro"] in _roles(sb, world)
                        and world["roles"]["Prata"] not in _roles(sb, world)) or None,
               "Ouro given and Prata removed")
    member = _member(world)
    assert member.tier_id == ouro.pk

    # Cancel: access runs to the end of the paid period, then the sweep removes the role.
    card = _run(sb, world, "assinatura")["message"]
    cancelled = _last(click(sb, world, (world["channel"], card), "vt:ms:cancel"))
    assert cancelled["content"].startswith("Assinatura cancelada.")
    assert _member(world).status == "cancelled"
    assert world["roles"]["Ouro"] in _roles(sb, world)
    with time_machine.travel(member.current_period_end + timedelta(minutes=1), tick=False):
        assert tasks.memberships_sweep() == 1  # its role job runs eagerly on commit
    assert _member(world).status == "ended"
    eventually(lambda: world["roles"]["Ouro"] not in _roles(sb, world) or None,
               "the Ouro role removed")
    assert any("terminou" in m["content"] or "encerrada" in m["content"]
               for m in sb.dms(world["buyer"])), [m["content"] for m in sb.dms(world["buyer"])]
    assert bot.proc.poll() is None, bot.log


def test_kofi_subscription_linked_by_code_through_the_bot_process(world, sb, spawn_bot):  # noqa: F811
    conf = services.conf_for(world["tenant"])
    conf.kofi_token = KOFI_TOKEN
    conf.save()
    url = world["live_url"] + reverse("memberships:kofi_webhook", args=[conf.kofi_hook_id])
    emulator = KofiEmulator(url, KOFI_TOKEN)
    emulator.duplicate = True  # Ko-fi may send the same payment twice
    emulator.subscription(email=EMAIL, amount="49.90", tier_name="Ouro Club", first=True)
    assert KofiEvent.objects.for_tenant(world["tenant"]).get().state == "waiting_link"
    assert emulator.post(emulator.payload(type="Donation", email=EMAIL, amount="9.00"),
                         token="forged").status == 401

    bot = spawn_bot(world["env"])
    bot.wait_for("READY as")
    asked = _last(_run(sb, world, "vincular-kofi", {"email": EMAIL}))
    assert "Enviamos um código" in asked["content"], asked
    code = re.search(r"(\d{6})", eventually(lambda: mail.outbox and mail.outbox[-1].body,
                                            "the code email")).group(1)
    assert EMAIL in mail.outbox[-1].to
    linked = _last(_run(sb, world, "vincular-kofi", {"email": EMAIL, "codigo": code}))
    assert linked["content"] == "Ko-fi vinculado! Apoios aplicados agora: 1.", linked
    eventually(lambda: world["roles"]["Ouro"] in _roles(sb, world) or None, "the Ouro role")
    member = _member(world)
    assert member.method == "kofi" and member.tier.name == "Ouro"
    assert member.events.filter(kind="kofi.paid").count() == 1
    assert bot.proc.poll() is None, bot.log
