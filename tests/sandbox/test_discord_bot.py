"""End to end: the real discord.py client against the Discord sandbox."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import discord
import pytest
import pytest_asyncio
from discord import app_commands
from discord.ext import commands

from sandbox.discord.testing import DiscordSandbox, discord_py_sandbox, running_client

MEMBERS = 1 << 1
TIMEOUT = 10


@pytest.fixture
def sb() -> Iterator[DiscordSandbox]:
    with discord_py_sandbox() as sandbox:
        yield sandbox


@dataclass
class World:
    app: dict[str, Any]
    guild: dict[str, Any]
    alice: dict[str, Any]
    bob: dict[str, Any]
    channel_id: str
    events: dict[str, asyncio.Event] = field(default_factory=dict)
    seen: dict[str, Any] = field(default_factory=dict)

    def event(self, name: str) -> asyncio.Event:
        return self.events.setdefault(name, asyncio.Event())


async def wait(event: asyncio.Event) -> None:
    await asyncio.wait_for(event.wait(), timeout=TIMEOUT)


class PayView(discord.ui.View):
    def __init__(self, world: World) -> None:
        super().__init__(timeout=None)
        self.world = world

    @discord.ui.button(label="Pay with PIX", style=discord.ButtonStyle.green, custom_id="pay:vip")
    async def pay(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.world.seen["clicker"] = interaction.user.id
        await interaction.response.edit_message(content="Paid!", embed=None, view=None)
        self.world.event("clicked").set()

    @discord.ui.select(
        custom_id="plan",
        options=[
            discord.SelectOption(label="Monthly", value="m"),
            discord.SelectOption(label="Yearly", value="y"),
        ],
    )
    async def plan(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        self.world.seen["plan"] = select.values
        await interaction.response.send_message(f"plan {select.values[0]}", ephemeral=True)
        self.world.event("selected").set()


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    text = discord.ui.TextInput(label="Comment", custom_id="comment")

    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world

    async def on_submit(self, interaction: discord.Interaction) -> None:
        self.world.seen["comment"] = self.text.value
        await interaction.response.send_message("thanks")
        self.world.event("modal").set()


def make_bot(world: World, members: bool = True) -> commands.Bot:
    intents = discord.Intents.default()
    intents.members = members
    bot = commands.Bot(command_prefix="!", intents=intents, guild_ready_timeout=0.1)

    @bot.tree.command(name="buy", description="Buy a product")
    @app_commands.describe(product="Product name", quantity="How many")
    async def buy(interaction: discord.Interaction, product: str, quantity: int) -> None:
        embed = discord.Embed(title=f"Order {product}", description=f"{quantity} x {product}")
        await interaction.response.send_message(embed=embed, view=PayView(world))
        world.event("buy").set()

    @bot.tree.command(name="feedback", description="Leave feedback")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FeedbackModal(world))

    @bot.tree.command(name="slow", description="Deferred answer")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("done thinking")
        world.event("slow").set()

    async def setup_hook() -> None:
        world.seen["synced"] = await bot.tree.sync()

    async def on_member_update(before: discord.Member, after: discord.Member) -> None:
        world.seen["member_update"] = [r.id for r in after.roles]
        world.event("member_update").set()

    async def on_resumed() -> None:
        world.event("resumed").set()

    async def on_ready() -> None:
        world.seen["ready_count"] = world.seen.get("ready_count", 0) + 1

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    bot.add_listener(on_member_update)
    bot.add_listener(on_resumed)
    bot.add_listener(on_ready)
    return bot


@pytest.fixture
def world(sb: DiscordSandbox) -> World:
    app = sb.create_application("Shop Bot", intents=MEMBERS)
    alice = sb.create_user("alice", global_name="Alice")
    bob = sb.create_user("bob")
    guild = sb.create_guild("Loja", [app["id"]], owner_id=alice["id"])
    sb.add_member(guild["id"], bob["id"])
    return World(app, guild, alice, bob, guild["channels"][0]["id"])


@pytest_asyncio.fixture
async def bot(world: World) -> AsyncIterator[commands.Bot]:
    client = make_bot(world)
    async with running_client(client, world.app["token"]) as running:
        yield running


@pytest.mark.asyncio
async def test_ready_guild_and_command_sync(bot: commands.Bot, world: World) -> None:
    guild = bot.get_guild(int(world.guild["id"]))
    assert guild is not None and guild.name == "Loja"
    assert guild.me.top_role.name == "Shop Bot"
    assert {m.name for m in guild.members} == {"alice", "bob", "shop-bot"}
    assert bot.application_id == int(world.app["id"])
    assert {c.name for c in world.seen["synced"]} == {"buy", "feedback", "slow"}
    assert world.seen["ready_count"] == 1


@pytest.mark.asyncio
async def test_slash_command_embed_view_and_button(
    bot: commands.Bot, world: World, sb: DiscordSandbox
) -> None:
    ran = await sb.aio.run_command(
        world.channel_id, world.alice["id"], "buy", {"product": "VIP", "quantity": 2}
    )
    await wait(world.event("buy"))
    result = await sb.aio.interaction(ran["id"], wait=TIMEOUT)
    assert result["response"]["type"] == 4
    message = result["message"]
    assert message["embeds"][0]["title"] == "Order VIP"
    assert message["embeds"][0]["description"] == "2 x VIP"
    row = message["components"][0]["components"]
    assert [c.get("custom_id") for c in row] == ["pay:vip"]

    await sb.aio.click(world.channel_id, message["id"], world.alice["id"], "pay:vip")
    await wait(world.event("clicked"))
    assert world.seen["clicker"] == int(world.alice["id"])
    stored = next(m for m in await sb.aio.messages(world.channel_id) if m["id"] == message["id"])
    assert stored["content"] == "Paid!"
    assert stored["components"] == [] and stored["embeds"] == []


@pytest.mark.asyncio
async def test_select_modal_and_deferred_followup(
    bot: commands.Bot, world: World, sb: DiscordSandbox
) -> None:
    ran = await sb.aio.run_command(
        world.channel_id, world.alice["id"], "buy", {"product": "Pro", "quantity": 1}
    )
    message = (await sb.aio.interaction(ran["id"], wait=TIMEOUT))["message"]
    picked = await sb.aio.click(world.channel_id, message["id"], world.bob["id"], "plan", ["y"])
    await wait(world.event("selected"))
    assert world.seen["plan"] == ["y"]
    answer = await sb.aio.interaction(picked["id"], wait=TIMEOUT)
    assert answer["message"]["content"] == "plan y" and answer["message"]["flags"] & 64

    opened = await sb.aio.run_command(world.channel_id, world.alice["id"], "feedback")
    modal = await sb.aio.interaction(opened["id"], wait=TIMEOUT)
    assert modal["response"]["type"] == 9
    await sb.aio.submit_modal(opened["id"], {"comment": "great shop"})
    await wait(world.event("modal"))
    assert world.seen["comment"] == "great shop"

    slow = await sb.aio.run_command(world.channel_id, world.alice["id"], "slow")
    await wait(world.event("slow"))
    done = await sb.aio.interaction(slow["id"])
    assert done["response"]["type"] == 5
    assert done["message"]["content"] == "done thinking"
    assert not done["message"]["flags"] & 128  # the "thinking" placeholder was replaced


@pytest.mark.asyncio
async def test_slash_command_in_dm_and_console_assets(
    bot: commands.Bot, world: World, sb: DiscordSandbox
) -> None:
    world.event("buy").clear()
    ran = await sb.aio.call(
        "POST",
        "/_sandbox/interactions/command",
        {
            "dm": True,
            "user_id": world.bob["id"],
            "name": "buy",
            "options": {"product": "Gift", "quantity": 1},
        },
    )
    await wait(world.event("buy"))
    result = await sb.aio.interaction(ran["id"], wait=TIMEOUT)
    assert result["message"]["embeds"][0]["title"] == "Order Gift"
    dms = await sb.aio.dms(world.bob["id"])
    assert [m["id"] for m in dms] == [result["message"]["id"]]

    page = await sb.aio.call_raw("/console")
    assert "console.js" in page
    assert "renderEmbed" in await sb.aio.call_raw("/console/static/console.js")
    overview = await sb.aio.overview()
    commands_seen = {c["name"] for c in overview["applications"][0]["commands"]}
    assert commands_seen == {"buy", "feedback", "slow"}
