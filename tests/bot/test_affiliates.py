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


def _earn(world, mp) -> None:
    """A friend of the world's buyer bought the course (R$ 100,00) with their code; released."""
    from datetime import timedelta

    from django.utils import timezone

    from affiliates import services as affiliates
    from payments import services as payments
    from tests.sales import factories as f
    from wallet import services as wallet_services

    tenant = world.products["prod"].tenant
    tenant.settings = {**tenant.settings, "min_withdrawal_cents": 500}
    tenant.save()
    me = services.customer_upsert(tenant=tenant, discord_user_id=world.buyer["id"],
                                  display_name="Alice")
    code = affiliates.affiliate_join(customer=me).code
    friend = f.customer(tenant, discord_user_id="777")
    affiliates.referral_use(customer=friend, code=code)
    services.cart_add(customer=friend, variant_id=world.products["course"].pk)
    result = services.checkout(customer=friend)
    mp.approve(result.payment.provider_payment_id)
    payments.payment_sync(provider_payment_id=result.payment.provider_payment_id)
    wallet_services.releases_run(now=timezone.now() + timedelta(days=60))
    assert affiliates.commissions_release_run() == 1


async def test_afiliado_saldo_and_sacar_take_the_commission_out(world, running, mp):
    await orm(_program, world)
    await orm(_earn, world, mp)
    moved = await command(world, running, "afiliado-saldo", options={"valor": "2,50"})
    [ok] = moved["followups"] or [moved["message"]]
    assert ok["content"] == ("R$ 2,50 foram para o seu saldo. Comissão disponível: R$ 7,50.")
    bad = await command(world, running, "afiliado-saldo", options={"valor": "dois"})
    [typed] = bad["followups"] or [bad["message"]]
    assert typed["content"] == "Digite o valor em reais, por exemplo 12,50."
    key = "123e4567-e89b-42d3-a456-426614174000"
    asked = await command(world, running, "afiliado-sacar",
                          options={"valor": "5", "tipo": "evp", "chave": key})
    [done] = asked["followups"] or [asked["message"]]
    assert done["content"].startswith("Saque de R$ 5,00 pedido.")
    short = await command(world, running, "afiliado-sacar",
                          options={"valor": "9", "tipo": "evp", "chave": key})
    [refused] = short["followups"] or [short["message"]]
    assert refused["content"] == "Você pode sacar no máximo R$ 2,50."

    def queued():
        from wallet.models import Withdrawal
        from wallet.selectors import ledger_verify

        assert ledger_verify() == []
        return list(Withdrawal.objects.unscoped().values_list("amount_cents", "status"))

    assert await orm(queued) == [(500, "pending")]  # in the operators' queue
