"""Trust end to end with the real bot process (`python -m bot`) against the Discord sandbox,
the live platform and the Mercado Pago sandbox (tests/e2e/test_bot_process.py's wiring):

- a review from the DM's star buttons and comment modal to the reviews channel's post, and
  the new average on the /loja card;
- a buyer blocked by the platform refused at checkout (nothing reserved or charged), then,
  unblocked, a first purchase above the shop's threshold held for review, approved by staff
  with /aprovar, then delivered.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from catalog.models import StockItem
from payments.models import Payment
from sales.errors import SalesError
from sales.models import Order
from sales.services.checkout import order_payment
from tests.e2e.test_bot_process import (  # noqa: F401  (fixtures)
    POLL,
    command,
    eager,
    eventually,
    located,
    mp,
    sb,
    settled,
    sold_key,
    spawn_bot,
    titled,
    world,
)
from trust import services
from trust.models import Block, Review

pytestmark = pytest.mark.django_db(transaction=True)


def said(answer: dict[str, Any]) -> str:
    parts = [answer.get("message") or {}, *answer.get("followups", [])]
    return "\n".join(m.get("content") or "" for m in parts)


def cards(sb, world) -> dict[str, tuple[str, dict]]:  # noqa: F811
    shop = command(sb, world, "loja", cards=2)
    return {m["embeds"][0]["title"]: (world["channel"], m)
            for m in [shop["message"], *shop["followups"]]}


def buy_course(sb, world) -> Order:  # noqa: F811
    course = cards(sb, world)["Curso"]
    clicked = sb.click(course[0], course[1]["id"], world["buyer"], f"vt:buy:{world['course'].pk}")
    settled(sb, clicked["id"])
    return Order.objects.for_tenant(world["tenant"]).order_by("-pk").first()


def test_review_from_the_dm_to_the_channel_and_the_average(world, sb, mp, spawn_bot,  # noqa: F811
                                                           settings):
    settings.TRUST_REVIEW_DELAY_MINUTES = 0  # asked at delivery (the beat's delay is unit-tested)
    tenant = world["tenant"]
    channel = sb.create_channel(world["guild"], "avaliacoes")
    services.trust_settings_update(tenant=tenant, actor=None, reviews_channel_id=channel["id"])
    bot = spawn_bot(world["env"])
    bot.wait_for("READY as")

    order = buy_course(sb, world)
    key = sold_key(order)
    mp.approve(order_payment(order=order).provider_payment_id)
    eventually(lambda: any(key in m["content"] for m in sb.dms(world["buyer"])), "the key DM")
    request = eventually(lambda: next((m for m in sb.dms(world["buyer"]) if m["components"]),
                                      None), "the review request DM")
    assert request["embeds"][0]["title"] == "Como foi a sua compra?"

    # Four stars: the bot opens the comment modal at once; the buyer writes and sends it.
    star = sb.click(request["channel_id"], request["id"], world["buyer"],
                    f"vt:rv:{order.code}:4")
    opened = eventually(lambda: sb.interaction(star["id"], wait=POLL)["response"],
                        "the review modal")
    assert opened["type"] == 9 and opened["data"]["custom_id"] == f"vt:rvm:{order.code}:4"
    sent = sb.submit_modal(star["id"], {"comment": "Chegou na hora, recomendo"})
    thanks = said(settled(sb, sent["id"]))
    assert thanks.startswith("Obrigado pela avaliação!"), thanks
    review = Review.objects.for_tenant(tenant).get(order=order)
    assert (review.stars, review.comment) == (4, "Chegou na hora, recomendo")

    post = eventually(lambda: next(iter(sb.messages(channel["id"])), None), "the review post")
    embed = post["embeds"][0]
    assert embed["title"].startswith("★★★★☆") and embed["description"] == review.comment
    assert "Curso" in embed["footer"]["text"]

    # The average is on the product's card in /loja.
    course = cards(sb, world)["Curso"][1]["embeds"][0]
    fields = {f["name"]: f["value"] for f in course["fields"]}
    assert fields["Avaliações"] == "⭐ 4,0 · 1"
    assert bot.proc.poll() is None, bot.log


def test_blocked_refused_then_held_order_approved(world, sb, mp, spawn_bot):  # noqa: F811
    tenant = world["tenant"]
    block = services.block_add(tenant=None, discord_user_id=world["buyer"], reason="golpe",
                               actor=None, source=Block.Source.PLATFORM)
    bot = spawn_bot(world["env"])
    bot.wait_for("READY as")

    # Blocked by the platform: a polite refusal, nothing reserved or charged.
    course = cards(sb, world)["Curso"]
    clicked = sb.click(course[0], course[1]["id"], world["buyer"], f"vt:buy:{world['course'].pk}")
    with translation.override("pt-br"):
        refusal = SalesError("buyer_blocked_platform").message()
    assert refusal in said(settled(sb, clicked["id"]))
    assert "bloqueadas pela plataforma" in refusal
    assert not Order.objects.for_tenant(tenant).exists()
    assert not Payment.objects.for_tenant(tenant).exists()
    assert not StockItem.objects.for_tenant(tenant).filter(order_ref__isnull=False).exists()

    # Unblocked; the shop reviews first purchases above R$ 50,00 by hand.
    services.block_remove(block=block, actor=None, reason="engano")
    services.trust_settings_update(tenant=tenant, actor=None,
                                   review_first_purchase_above_cents=5000)
    clicked = sb.click(course[0], course[1]["id"], world["buyer"], f"vt:buy:{world['course'].pk}")
    settled(sb, clicked["id"])
    order = Order.objects.for_tenant(tenant).get()
    mp.approve(order_payment(order=order).provider_payment_id)
    told = eventually(lambda: next((m["content"] for m in sb.dms(world["buyer"])
                                    if order.code in m["content"]), None), "the on-hold DM")
    assert "está analisando o pedido" in told
    order.refresh_from_db()
    assert order.status == "on_hold"
    eventually(lambda: "em análise" in str(located(sb, world, titled(f"Pedido {order.code}"),
                                                   "checkout")[1]["embeds"]),
               "the checkout showing the order under review")
    # The refused attempt left its line in the cart (nothing was reserved then): two keys now.
    keys = list(StockItem.objects.for_tenant(tenant).filter(order_ref=order.pk)
                .values_list("content", flat=True))
    assert len(keys) == 2
    assert not any(k in m["content"] for k in keys for m in sb.dms(world["buyer"]))

    # The shop's owner (Manage Server) approves in Discord: the key is delivered.
    owner = sb.guild(world["guild"])["owner_id"]
    ran = sb.run_command(world["channel"], owner, "aprovar", {"pedido": order.code})
    assert f"Pedido {order.code} aprovado" in said(settled(sb, ran["id"]))
    eventually(lambda: all(any(k in m["content"] for m in sb.dms(world["buyer"])) for k in keys),
               "the keys' DM")
    eventually(lambda: Order.objects.for_tenant(tenant).filter(
        pk=order.pk, status="delivered").exists(), "the order delivered")
    assert bot.proc.poll() is None, bot.log
