"""A variant pick lives on the message, not in the bot's memory, so it survives a restart."""

from __future__ import annotations

import pytest

from tests.bot.test_posts import _posted
from tests.bot.test_storefront import EPHEMERAL, card_of, click, command, custom_ids

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@EPHEMERAL
async def test_pick_on_a_private_card_rewrites_its_buttons(world, running):
    premium = card_of(await command(world, running, "loja"), "Chave Premium")
    pid, month = world.products["prod"].pk, world.products["month"].pk
    chosen = await click(world, running, premium, f"vt:var:{pid}", [str(month)], tracked=False)
    assert chosen["response"]["type"] == 7  # answered by updating the card, no platform call
    [card] = [m for m in await world.sb.aio.messages(world.channel_id) if m["id"] == premium["id"]]
    assert custom_ids(card) == [f"vt:var:{pid}", f"vt:buy:{pid}:{month}", f"vt:add:{pid}:{month}"]
    select = card["components"][0]["components"][0]
    assert [o["value"] for o in select["options"] if o.get("default")] == [str(month)]

    running.client.store.choices.clear()  # what a restart does to the bot's memory
    added = await click(world, running, card, f"vt:add:{pid}:{month}")
    assert added["message"]["content"].startswith("Adicionado ao carrinho: Chave Premium · 30 dias")


@EPHEMERAL
async def test_pick_on_a_public_post_answers_privately_with_buttons_that_carry_it(world, running):
    pid, month = world.products["prod"].pk, world.products["month"].pk
    await command(world, running, "postar", user=world.owner,
                  options={"produto": "chave premium", "canal": world.channel_id})
    [post] = _posted(await world.sb.aio.messages(world.channel_id), "Chave Premium")

    picked = await click(world, running, post, f"vt:var:{pid}", [str(month)], tracked=False)
    reply = picked["message"]
    assert reply["flags"] & 64  # only the buyer sees it
    assert reply["content"] == "Você escolheu **Chave Premium · 30 dias** — R$ 19,90."
    assert custom_ids(reply) == [f"vt:buy:{pid}:{month}", f"vt:add:{pid}:{month}"]
    [still] = _posted(await world.sb.aio.messages(world.channel_id), "Chave Premium")
    assert custom_ids(still) == [f"vt:var:{pid}", f"vt:buy:{pid}", f"vt:add:{pid}"]  # shared

    running.client.store.choices.clear()  # a restart: the private buttons still know the pick
    added = await click(world, running, reply, f"vt:add:{pid}:{month}")
    assert added["message"]["content"].startswith("Adicionado ao carrinho: Chave Premium · 30 dias")
    # Without a pick in memory the shared post's own button asks for one again.
    asked = await click(world, running, still, f"vt:add:{pid}")
    assert asked["message"]["content"] == "Escolha uma opção no menu antes."
