"""The real bot (discord.py against the Discord sandbox) and the real platform (live_server):
/assinar -> tier select -> PIX -> payment message with QR and copy-paste; paid -> the role;
/assinatura -> switch select and cancel button; /vincular-kofi sends the code."""

from __future__ import annotations

import pytest
from django.core import mail

from memberships import jobs
from memberships.models import Member, MemberJob, Tier
from payments.models import Payment
from payments.services import payment_reconcile_one
from tests.bot.conftest import TIMEOUT, World, orm, running, sb, world  # noqa: F401
from tests.bot.test_storefront import click, command, custom_ids
from tests.sales.factories import mp  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def _tiers(world: World) -> dict[str, Tier]:  # noqa: F811
    tenant = world.products["prod"].tenant
    vip = world.sb.create_role(world.guild_id, "VIP")
    out = {"vip": Tier.objects.create(tenant=tenant, name="VIP", role_id=vip["id"],
                                      price_cents=2990, period="monthly",
                                      description="Canal secreto")}
    out["anual"] = Tier.objects.create(tenant=tenant, name="VIP Anual", role_id=vip["id"],
                                       price_cents=29900, period="yearly")
    return out


def _run_jobs(world: World, settings) -> None:  # noqa: F811
    """What the fulfillment worker does with the membership's role jobs and DMs."""
    from runtime.models import BotRuntime

    settings.DISCORD_API_BASE_URL = f"{world.sb.url}/api"
    tenant = world.products["prod"].tenant
    tenant.discord_guild_id = world.guild_id  # what /vincular records
    tenant.save(update_fields=["discord_guild_id"])
    BotRuntime.objects.update_or_create(tenant=tenant,
                                        defaults={"discord_token": world.app["token"]})
    for job in MemberJob.objects.for_tenant(tenant).filter(state="pending"):
        jobs.run(tenant_id=tenant.pk, job_id=job.pk)


async def test_subscribe_by_pix_then_role_then_cancel(world, running, mp, settings):  # noqa: F811
    tiers = await orm(_tiers, world)
    answer = await command(world, running, "assinar")
    offer = answer["message"]
    assert offer["flags"] & 64
    assert offer["embeds"][0]["title"] == "Planos de membro"
    assert [f["name"] for f in offer["embeds"][0]["fields"]] == ["VIP", "VIP Anual"]
    assert "R$ 29,90 · Mensal" in offer["embeds"][0]["fields"][0]["value"]
    assert custom_ids(offer) == ["vt:ms:tier"]
    picked = await click(world, running, offer, "vt:ms:tier", [str(tiers["vip"].pk)])
    methods = picked["followups"][-1] if picked["followups"] else picked["message"]
    vip = tiers["vip"].pk
    assert custom_ids(methods) == [f"vt:ms:pay:{vip}:pix", f"vt:ms:pay:{vip}:card"]
    paid = await click(world, running, methods, f"vt:ms:pay:{vip}:pix")
    message = paid["followups"][-1] if paid["followups"] else paid["message"]
    payment = await orm(lambda: Payment.objects.unscoped().get())
    assert message["content"] == f"```\n{payment.pix_code}\n```"
    assert message["embeds"][0]["title"] == "Assinatura · VIP"
    assert message["attachments"][0]["filename"] == "pix.png"

    await orm(mp.approve, payment.provider_payment_id)
    await orm(payment_reconcile_one, payment=payment)
    await orm(_run_jobs, world, settings)
    member = await orm(lambda: Member.objects.unscoped().get())
    assert member.status == "active"
    roles = (await world.sb.aio.member(world.guild_id, world.buyer["id"]))["roles"]
    assert tiers["vip"].role_id in roles

    shown = await command(world, running, "assinatura")
    card = shown["message"]
    fields = {f["name"]: f["value"] for f in card["embeds"][0]["fields"]}
    assert fields["Plano"] == "VIP" and fields["Situação"] == "Ativa"
    assert custom_ids(card) == ["vt:ms:switch", "vt:ms:cancel"]
    cancelled = await click(world, running, card, "vt:ms:cancel")
    text = (cancelled["followups"][-1] if cancelled["followups"] else cancelled["message"])
    assert text["content"].startswith("Assinatura cancelada.")
    member = await orm(lambda: Member.objects.unscoped().get())
    assert member.status == "cancelled"


async def test_vincular_kofi_sends_a_code(world, running):  # noqa: F811
    answer = await command(world, running, "vincular-kofi", options={"email": "a@kofi.example"})
    said = (answer["followups"] or [answer["message"]])[-1]
    assert "Enviamos um código" in said["content"]
    assert mail.outbox and "a@kofi.example" in mail.outbox[-1].to


async def test_card_shows_mercado_pago_subscription_link(world, running, mp):  # noqa: F811
    tiers = await orm(_tiers, world)
    vip = tiers["vip"].pk
    answer = await command(world, running, "assinar")
    picked = await click(world, running, answer["message"], "vt:ms:tier", [str(vip)])
    methods = picked["followups"][-1] if picked["followups"] else picked["message"]
    paid = await click(world, running, methods, f"vt:ms:pay:{vip}:card")
    message = paid["followups"][-1] if paid["followups"] else paid["message"]
    assert message["content"].startswith("Autorize o cartão no Mercado Pago")
    [button] = message["components"][0]["components"]
    member = await orm(lambda: Member.objects.unscoped().get())
    assert button["url"].endswith(f"preapproval_id={member.preapproval_id}")
