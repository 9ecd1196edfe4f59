"""/afiliado with the real bot against the real platform: join, see the code and stats; a
buyer uses it; using one's own code is refused in words."""

from __future__ import annotations

import pytest

from affiliates.models import Referral
from sales import services
from tests.bot.conftest import orm
from tests.bot.test_storefront import command

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def _program(world) -> None:
    tenant = world.products["prod"].tenant
    tenant.settings = {**tenant.settings, "affiliate_enabled": True, "affiliate_percent": 10}
    tenant.save()


async def test_afiliado_code_then_a_buyer_uses_it(world, running):
    await orm(_program, world)
    mine = await command(world, running, "afiliado")
    [reply] = mine["followups"] or [mine["message"]]
    embed = reply["embeds"][0]
    assert embed["title"].startswith("Seu código de afiliado: ")
    code = embed["title"].rsplit(" ", 1)[1]
    assert "10% de comissão" in embed["description"]
    own = await command(world, running, "afiliado", options={"codigo": code})
    [refused] = own["followups"] or [own["message"]]
    assert refused["content"] == "Você não pode usar o seu próprio código de afiliado."

    friend = world.sb.create_user("bruno")
    world.sb.add_member(world.guild_id, friend["id"])
    used = await command(world, running, "afiliado", user=friend, options={"codigo": code})
    [ok] = used["followups"] or [used["message"]]
    assert ok["content"].startswith(f"Código {code} aplicado")

    def referred() -> str:
        tenant = world.products["prod"].tenant
        buyer = services.customer_upsert(tenant=tenant, discord_user_id=friend["id"],
                                         display_name="Bruno")
        return Referral.objects.for_tenant(tenant).get(customer=buyer).affiliate.code

    assert await orm(referred) == code
