"""Store credit with the real bot against the real platform: /saldo (balance, history, PIX
top-up that credits once approved), /resgatar a gift card, and a cart paid from the balance."""

from __future__ import annotations

import pytest

from catalog.models import StockItem
from credit import giftcards
from payments.models import Payment
from payments.services import payment_reconcile_one
from sales import services
from sales.models import Order
from tests.bot.conftest import orm
from tests.bot.test_storefront import EPHEMERAL, card_of, click, command
from tests.credit.conftest import balance, give_credit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def _customer(world):
    tenant = world.products["prod"].tenant
    return services.customer_upsert(tenant=tenant, discord_user_id=world.buyer["id"],
                                    display_name="Alice")


def _topups_on(tenant) -> None:
    tenant.settings = {**tenant.settings, "credit_topup_enabled": True,
                       "credit_topup_min_cents": 500, "credit_topup_max_cents": 50000,
                       "credit_bonus_percent": 0}
    tenant.save()


async def test_saldo_shows_balance_then_a_pix_top_up_credits_it(world, running, mp):
    tenant = world.products["prod"].tenant
    await orm(_topups_on, tenant)
    empty = await command(world, running, "saldo")
    embed = empty["followups"][0]["embeds"][0] if empty["followups"] else \
        empty["message"]["embeds"][0]
    assert embed["title"] == "Seu saldo" and "R$ 0,00" in embed["description"]

    asked = await command(world, running, "saldo", options={"recarregar": 25})
    [reply] = asked["followups"] or [asked["message"]]
    payment = await orm(lambda: Payment.objects.unscoped().get())
    assert payment.amount_cents == 2500
    assert reply["content"] == f"```\n{payment.pix_code}\n```"
    assert reply["embeds"][0]["title"] == "Recarga de R$ 25,00"
    assert reply["flags"] & 64

    await orm(mp.approve, payment.provider_payment_id)
    await orm(payment_reconcile_one, payment=payment)
    after = await command(world, running, "saldo")
    [shown] = after["followups"] or [after["message"]]
    assert "R$ 25,00" in shown["embeds"][0]["description"]
    assert "recarga de saldo · **+R$ 25,00**" in shown["embeds"][0]["fields"][0]["value"]


async def test_topup_outside_the_limits_is_told_to_the_buyer(world, running):
    await orm(_topups_on, world.products["prod"].tenant)
    asked = await command(world, running, "saldo", options={"recarregar": 1})
    [reply] = asked["followups"] or [asked["message"]]
    assert "Recarregue entre R$ 5,00 e R$ 500,00" in reply["content"]
    assert not await orm(lambda: Payment.objects.unscoped().exists())


def _sold_card(world) -> str:
    from tests.sales import factories as f

    tenant = world.products["prod"].tenant
    card = f.variant(f.product(tenant, name="Vale-presente"), label="R$ 19,90",
                     price_cents=1990)
    giftcards.giftcards_create(variant=card, actor=None, count=1)
    payer = services.customer_upsert(tenant=tenant, discord_user_id="9001", display_name="Bob")
    give_credit(payer, 1990, payment_id=77)
    services.cart_add(customer=payer, variant_id=card.pk)
    order = services.checkout(customer=payer, use_credit=True).order
    return StockItem.objects.unscoped().get(order_ref=order.pk).content


async def test_resgatar_credits_a_gift_card_once(world, running):
    code = await orm(_sold_card, world)
    assert code.startswith("GIFT-")
    first = await command(world, running, "resgatar", options={"codigo": code})
    [reply] = first["followups"] or [first["message"]]
    assert "R$ 19,90 entraram no seu saldo" in reply["content"]
    again = await command(world, running, "resgatar", options={"codigo": code})
    [refused] = again["followups"] or [again["message"]]
    assert refused["content"] == "Este vale-presente já foi resgatado."
    customer = await orm(_customer, world)
    assert await orm(balance, customer) == 1990


@EPHEMERAL
async def test_a_cart_paid_wholly_from_the_balance_needs_no_pix(world, running):
    customer = await orm(_customer, world)
    await orm(give_credit, customer, 20000, 1)
    answer = await command(world, running, "loja")
    course = card_of(answer, "Curso")
    pid = world.products["single"].pk
    bought = await click(world, running, course, f"vt:buy:{pid}")
    message = bought["message"]
    order = await orm(lambda: Order.objects.unscoped().get())
    assert order.status == "paid" and order.credit_applied_cents == order.total_cents == 10000
    assert not message.get("content")
    embed = message["embeds"][0]
    assert "Pago com o seu saldo" in embed["description"]
    assert any(f["name"] == "Saldo usado" for f in embed["fields"])
    assert not await orm(lambda: Payment.objects.unscoped().exists())
    assert await orm(balance, customer) == 10000
