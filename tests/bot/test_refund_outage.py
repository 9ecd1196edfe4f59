"""/reembolsar while Mercado Pago is down (the sandbox really stopped): the staff member reads the
platform's clear message in Discord, and nothing was refunded."""

from __future__ import annotations

import pytest

from payments.models import Payment
from tests.bot.conftest import orm
from tests.bot.test_staff_and_orders import _delivered
from tests.bot.test_storefront import command

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_reembolsar_while_mercadopago_is_down(world, running, mp):
    order = await orm(_delivered, world, mp, world.buyer["id"])
    mp.stop()
    answer = await command(world, running, "reembolsar", user=world.owner,
                           options={"pedido": order.code, "motivo": "pediu"})
    [reply] = answer["followups"] or [answer["message"]]
    assert reply["content"] == "Mercado Pago está indisponível, tente de novo em alguns minutos."
    assert reply["flags"] & 64
    payment = await orm(lambda: Payment.objects.unscoped().get())
    assert payment.status == Payment.Status.APPROVED and payment.refunded_cents == 0
