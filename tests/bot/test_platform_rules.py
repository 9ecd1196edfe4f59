"""The platform decides, the bot shows: /postar of a product the plan does not allow is refused
by the platform (its message, in the shop's language, nothing posted), and an order that ended
cancelled is worded from the API's outcome and tone (the bot keeps no status lists)."""

from __future__ import annotations

import pytest

from bot.ui.orders import outcome_embed
from bot.ui.text import TONES
from catalog.models import ProductPost
from tests.api.test_staff_rules import one_product_plan
from tests.bot.conftest import orm
from tests.bot.test_storefront import command


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_postar_of_a_product_past_the_plan_is_refused_by_the_platform(world, running,
                                                                           shop):
    await orm(one_product_plan, shop.tenant)
    answer = await command(world, running, "postar", user=world.owner,
                           options={"produto": "curso", "canal": world.channel_id})
    [reply] = answer["followups"] or [answer["message"]]
    assert reply["content"] == "“Curso” não está à venda, então não pode ser postado."
    posted = [m for m in await world.sb.aio.messages(world.channel_id) if m["embeds"]
              and not m["flags"] & 64]
    assert posted == []
    assert await orm(lambda: ProductPost.objects.unscoped().count()) == 0


def test_outcome_words_and_colour_come_from_the_api():
    order = {"code": "ABC", "status": "cancelled", "status_display": "Cancelado",
             "outcome": "cancelled", "tone": "danger", "total_display": "R$ 10,00"}
    embed = outcome_embed(order, "pt-br")
    assert embed.description == "Pedido cancelado." and embed.colour == TONES["danger"]
    delivered = outcome_embed({**order, "outcome": "delivered", "tone": "success"}, "en")
    assert delivered.description.startswith("Delivered!")
    assert delivered.colour == TONES["success"]
    unknown = outcome_embed({**order, "outcome": "something_new"}, "pt-br")
    assert unknown.description == "Cancelado"  # a new outcome shows the platform's label
