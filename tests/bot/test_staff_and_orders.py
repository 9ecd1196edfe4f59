"""/meuspedidos "Reenviar para DM" and the staff commands (/estoque, /entregar, /reembolsar):
the real bot against the real platform; staff is Manage Server or the shop's staff role."""

from __future__ import annotations

from typing import Any

import pytest

from payments.models import Payment
from payments.services import payment_reconcile_one
from sales import services
from sales.models import Delivery, Order
from tenants.models import Tenant
from tests.bot.conftest import TIMEOUT, Running, World, orm
from tests.bot.test_storefront import command, custom_ids

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def _delivered(world: World, mp: Any, discord_user_id: str) -> Order:
    customer = services.customer_upsert(tenant=world.products["course"].tenant,
                                        discord_user_id=discord_user_id, display_name="Alice")
    services.cart_add(customer=customer, variant_id=world.products["course"].pk)
    result = services.checkout(customer=customer)
    mp.approve(result.payment.provider_payment_id)
    payment_reconcile_one(payment=result.payment)
    order = Order.objects.unscoped().get(pk=result.order.pk)
    Delivery.objects.unscoped().filter(order=order).update(state=Delivery.State.DONE)
    Order.objects.unscoped().filter(pk=order.pk).update(status="delivered")
    return order


async def _click_as(world: World, running: Running, message: dict, user: dict,
                    custom_id: str) -> dict:
    done = await world.sb.aio.click(world.channel_id, message["id"], user["id"], custom_id)
    await running.tracker.wait(done["id"])
    return await world.sb.aio.interaction(done["id"], wait=TIMEOUT)


async def test_meuspedidos_resend_button(world, running, mp):
    order = await orm(_delivered, world, mp, world.buyer["id"])
    listed = (await command(world, running, "meuspedidos"))["message"]
    assert custom_ids(listed) == [f"vt:resend:{order.code}"]
    answer = await _click_as(world, running, listed, world.buyer, f"vt:resend:{order.code}")
    [reply] = answer["followups"] or [answer["message"]]
    assert order.code in reply["content"] and "1" in reply["content"]
    assert reply["flags"] & 64

    # Someone else clicking the same button (custom ids are visible) gets order_not_found.
    intruder = world.sb.create_user("mallory")
    world.sb.add_member(world.guild_id, intruder["id"])
    refused = await _click_as(world, running, listed, intruder, f"vt:resend:{order.code}")
    [reply] = refused["followups"] or [refused["message"]]
    assert order.code not in reply["content"]
    assert reply["content"]  # the platform's "Order not found", in the shop's language


async def test_staff_commands_refuse_buyers_then_accept_the_staff_role(world, running, shop):
    refused = await command(world, running, "estoque")
    [reply] = refused["followups"] or [refused["message"]]
    assert reply["content"].startswith("Só a equipe")

    role = world.sb.create_role(world.guild_id, "Equipe")
    await running.client.http.add_role(world.guild_id, world.buyer["id"], role["id"])

    def set_role() -> None:
        Tenant.objects.filter(pk=shop.tenant.pk).update(staff_role_id=role["id"])

    await orm(set_role)
    stock = await command(world, running, "estoque")
    [reply] = stock["followups"] or [stock["message"]]
    text = reply["embeds"][0]["description"]
    assert "Curso" in text and "5 disponíveis" in text and reply["flags"] & 64


async def test_entregar_and_reembolsar_by_manage_server(world, running, mp):
    order = await orm(_delivered, world, mp, world.buyer["id"])
    delivered = await command(world, running, "entregar", user=world.owner,
                              options={"pedido": order.code})
    [reply] = delivered["followups"] or [delivered["message"]]
    assert order.code in reply["content"] and "1" in reply["content"]

    buyer = await command(world, running, "reembolsar", options={"pedido": order.code,
                                                                 "motivo": "quero"})
    [reply] = buyer["followups"] or [buyer["message"]]
    assert reply["content"].startswith("Só a equipe")

    refunded = await command(world, running, "reembolsar", user=world.owner,
                             options={"pedido": order.code, "motivo": "pediu"})
    [done] = refunded["followups"] or [refunded["message"]]
    assert order.code in done["content"]
    payment = await orm(lambda: Payment.objects.unscoped().get())
    assert payment.refunded_cents == payment.amount_cents

    again = await command(world, running, "reembolsar", user=world.owner,
                          options={"pedido": order.code, "motivo": "pediu"})
    [reply] = again["followups"] or [again["message"]]
    assert order.code in reply["content"] and reply["content"] != done["content"]  # not_refundable
    after = await orm(lambda: Payment.objects.unscoped().get())
    assert after.refunded_cents == payment.amount_cents
