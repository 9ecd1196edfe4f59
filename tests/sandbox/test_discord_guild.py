"""discord.py against the sandbox: DMs, roles, threads, attachments, errors, RESUME, 429s."""

from __future__ import annotations

import asyncio
import io
import urllib.request
from collections.abc import AsyncIterator, Iterator
from typing import Any

import discord
import pytest
import pytest_asyncio

from sandbox.discord.testing import DiscordSandbox, discord_py_sandbox, running_client

MEMBERS = 1 << 1
TIMEOUT = 10
PNG = b"\x89PNG\r\n\x1a\n" + b"fake-qr-code" * 10


class Bot(discord.Client):
    """A plain client that turns gateway events into asyncio events for the tests."""

    def __init__(self, intents: discord.Intents) -> None:
        super().__init__(intents=intents, guild_ready_timeout=0.1)
        self.events: dict[str, asyncio.Event] = {}
        self.seen: dict[str, Any] = {"ready": 0}

    def event_for(self, name: str) -> asyncio.Event:
        return self.events.setdefault(name, asyncio.Event())

    async def on_ready(self) -> None:
        self.seen["ready"] += 1

    async def on_resumed(self) -> None:
        self.event_for("resumed").set()

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        self.seen["roles"] = {r.name for r in after.roles}
        self.event_for("member_update").set()

    async def on_message(self, message: discord.Message) -> None:
        if message.author != self.user:
            self.seen["message"] = message.content
            self.event_for("message").set()


async def wait(event: asyncio.Event) -> None:
    await asyncio.wait_for(event.wait(), timeout=TIMEOUT)


def members_intents() -> discord.Intents:
    intents = discord.Intents.default()
    intents.members = True
    intents.message_content = True
    return intents


@pytest.fixture
def sb() -> Iterator[DiscordSandbox]:
    with discord_py_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def ids(sb: DiscordSandbox) -> dict[str, Any]:
    app = sb.create_application("Shop Bot", intents=MEMBERS | (1 << 15))
    alice, bob, carol = (sb.create_user(n) for n in ("alice", "bob", "carol"))
    guild = sb.create_guild("Loja", [app["id"]], owner_id=alice["id"])
    for user in (bob, carol):
        sb.add_member(guild["id"], user["id"])
    return {
        "app": app,
        "token": app["token"],
        "guild": int(guild["id"]),
        "channel": int(guild["channels"][0]["id"]),
        "alice": int(alice["id"]),
        "bob": int(bob["id"]),
        "carol": int(carol["id"]),
    }


@pytest_asyncio.fixture
async def bot(ids: dict[str, Any]) -> AsyncIterator[Bot]:
    async with running_client(Bot(members_intents()), ids["token"]) as client:
        yield client


@pytest.mark.asyncio
async def test_dm_and_closed_dms(bot: Bot, ids: dict[str, Any], sb: DiscordSandbox) -> None:
    alice = await bot.fetch_user(ids["alice"])
    await alice.send("Your order is ready")
    assert [m["content"] for m in await sb.aio.dms(str(ids["alice"]))] == ["Your order is ready"]

    await sb.aio.set_dms_open(str(ids["bob"]), False)
    bob = await bot.fetch_user(ids["bob"])
    with pytest.raises(discord.Forbidden) as exc:
        await bob.send("hello")
    assert exc.value.code == 50007 and exc.value.status == 403


@pytest.mark.asyncio
async def test_roles_and_member_update(bot: Bot, ids: dict[str, Any], sb: DiscordSandbox) -> None:
    vip = await sb.aio.create_role(str(ids["guild"]), "VIP")
    staff = await sb.aio.create_role(str(ids["guild"]), "Staff", position=None)  # above the bot
    guild = bot.get_guild(ids["guild"])
    assert guild is not None
    member = guild.get_member(ids["bob"])
    assert member is not None

    await member.add_roles(discord.Object(int(vip["id"])))
    await wait(bot.event_for("member_update"))
    assert "VIP" in bot.seen["roles"]
    assert vip["id"] in (await sb.aio.member(str(ids["guild"]), str(ids["bob"])))["roles"]

    with pytest.raises(discord.Forbidden) as exc:
        await member.add_roles(discord.Object(int(staff["id"])))
    assert exc.value.code == 50013

    bot.event_for("member_update").clear()
    await member.remove_roles(discord.Object(int(vip["id"])))
    await wait(bot.event_for("member_update"))
    assert "VIP" not in bot.seen["roles"]

    bot.event_for("member_update").clear()
    await member.edit(roles=[discord.Object(int(vip["id"]))])
    await wait(bot.event_for("member_update"))
    assert "VIP" in bot.seen["roles"]

    await sb.aio.leave_guild(str(ids["guild"]), str(ids["carol"]))
    with pytest.raises(discord.NotFound) as gone:
        await guild.fetch_member(ids["carol"])
    assert gone.value.code == 10007
    with pytest.raises(discord.NotFound) as gone:
        await bot.http.add_role(ids["guild"], ids["carol"], int(vip["id"]))
    assert gone.value.code == 10007


@pytest.mark.asyncio
async def test_missing_manage_roles(sb: DiscordSandbox) -> None:
    app = sb.create_application("Weak Bot")
    owner = sb.create_user("owner")
    guild = sb.create_guild("G", [app["id"]], owner_id=owner["id"], bot_permissions=1 << 11)
    role = sb.create_role(guild["id"], "Buyer")
    async with running_client(Bot(discord.Intents.default()), app["token"]) as client:
        with pytest.raises(discord.Forbidden) as exc:
            await client.http.add_role(int(guild["id"]), int(owner["id"]), int(role["id"]))
        assert exc.value.code == 50013


@pytest.mark.asyncio
async def test_private_thread(bot: Bot, ids: dict[str, Any], sb: DiscordSandbox) -> None:
    channel = bot.get_channel(ids["channel"])
    assert isinstance(channel, discord.TextChannel)
    thread = await channel.create_thread(name="order-1", type=discord.ChannelType.private_thread)
    await thread.add_user(discord.Object(ids["alice"]))
    await thread.send("Here is your order")
    info = await sb.aio.channel(str(thread.id))
    assert info["type"] == 12 and info["parent_id"] == str(ids["channel"])
    assert str(ids["alice"]) in info["thread_member_ids"]
    assert [m["content"] for m in await sb.aio.messages(str(thread.id))] == ["Here is your order"]


@pytest.mark.asyncio
async def test_private_thread_needs_create_private_threads(sb: DiscordSandbox) -> None:
    app = sb.create_application("Weak Bot")
    owner = sb.create_user("owner")
    # Send Messages and Create Public Threads, but not Create Private Threads (1 << 36).
    guild = sb.create_guild("G", [app["id"]], owner_id=owner["id"],
                            bot_permissions=(1 << 11) | (1 << 35))
    channel_id = int(guild["channels"][0]["id"])
    async with running_client(Bot(discord.Intents.default()), app["token"]) as client:
        channel = client.get_channel(channel_id)
        with pytest.raises(discord.Forbidden) as exc:
            await channel.create_thread(name="cart", type=discord.ChannelType.private_thread)
        assert exc.value.code == 50013
        public = await channel.create_thread(name="open", type=discord.ChannelType.public_thread)
        assert public.type == discord.ChannelType.public_thread
    assert [t["name"] for t in sb.guild(guild["id"])["threads"]] == ["open"]


@pytest.mark.asyncio
async def test_delete_thread(bot: Bot, ids: dict[str, Any], sb: DiscordSandbox) -> None:
    channel = bot.get_channel(ids["channel"])
    thread = await channel.create_thread(name="cart", type=discord.ChannelType.private_thread,
                                         invitable=False)
    assert (await sb.aio.channel(str(thread.id)))["thread_metadata"]["invitable"] is False
    deleted = asyncio.ensure_future(bot.wait_for("thread_delete", timeout=TIMEOUT))
    await thread.delete()
    assert (await deleted).id == thread.id
    assert bot.get_channel(thread.id) is None
    with pytest.raises(discord.NotFound) as gone:
        await bot.fetch_channel(thread.id)
    assert gone.value.code == 10003
    with pytest.raises(discord.HTTPException) as not_a_thread:
        await channel.delete()
    assert not_a_thread.value.code == 50024


@pytest.mark.asyncio
async def test_attachment_served_back(bot: Bot, ids: dict[str, Any], sb: DiscordSandbox) -> None:
    channel = bot.get_channel(ids["channel"])
    assert isinstance(channel, discord.TextChannel)
    embed = discord.Embed(title="PIX").set_image(url="attachment://qr.png")
    message = await channel.send(embed=embed, file=discord.File(io.BytesIO(PNG), "qr.png"))
    attachment = message.attachments[0]
    assert attachment.filename == "qr.png" and attachment.size == len(PNG)
    assert message.embeds[0].image.url == attachment.url
    assert attachment.url.startswith(sb.url)
    assert await attachment.read() == PNG
    with urllib.request.urlopen(attachment.url) as response:
        assert response.read() == PNG


@pytest.mark.asyncio
async def test_user_message_reaches_bot(bot: Bot, ids: dict[str, Any], sb: DiscordSandbox) -> None:
    await sb.aio.send_as_user(str(ids["channel"]), str(ids["alice"]), "hi bot")
    await wait(bot.event_for("message"))
    assert bot.seen["message"] == "hi bot"


@pytest.mark.asyncio
async def test_resume_after_dropped_connection(
    bot: Bot, ids: dict[str, Any], sb: DiscordSandbox
) -> None:
    assert bot.ws is not None
    session_id = bot.ws.session_id
    dropped = await sb.aio.drop_connections(ids["app"]["id"])
    assert dropped == [session_id]
    # Sent while the bot may still be reconnecting: it must arrive via RESUME replay or live.
    await sb.aio.send_as_user(str(ids["channel"]), str(ids["alice"]), "while you were away")
    await wait(bot.event_for("resumed"))
    await wait(bot.event_for("message"))
    assert bot.seen["message"] == "while you were away"
    assert bot.ws.session_id == session_id
    assert bot.seen["ready"] == 1  # resumed, not re-identified


@pytest.mark.asyncio
async def test_waits_out_429(bot: Bot, ids: dict[str, Any], sb: DiscordSandbox) -> None:
    await sb.aio.rate_limit("POST", "/channels/{channel_id}/messages", count=1, retry_after=0.05)
    channel = bot.get_channel(ids["channel"])
    assert isinstance(channel, discord.TextChannel)
    await channel.send("after the limit")
    assert (await sb.aio.rate_limits())[0]["hits"] == 1
    assert [m["content"] for m in await sb.aio.messages(str(ids["channel"]))] == ["after the limit"]


@pytest.mark.asyncio
async def test_bad_token_is_login_failure(sb: DiscordSandbox) -> None:
    client = discord.Client(intents=discord.Intents.default())
    try:
        with pytest.raises(discord.LoginFailure):
            await client.login("not-a-real-token")
    finally:
        await client.close()


@pytest.mark.asyncio
async def test_privileged_intents_refused(sb: DiscordSandbox) -> None:
    app = sb.create_application("Plain Bot")  # no privileged intents enabled
    owner = sb.create_user("owner")
    sb.create_guild("G", [app["id"]], owner_id=owner["id"])
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with running_client(Bot(members_intents()), app["token"]):
            pass
