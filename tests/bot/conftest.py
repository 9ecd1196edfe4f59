"""The real bot (bot/) against the Discord sandbox and the real platform (live_server).

The bot runs as a discord.py client on the test's event loop (`running_client`); the platform
is the Django app served by pytest-django's live_server with a real instance token; payments
go to the Mercado Pago sandbox. ORM calls from async tests go through `asyncio.to_thread`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from bot.__main__ import ShopBot
from bot.config import Config
from sandbox.discord.testing import DiscordSandbox, discord_py_sandbox, running_client
from tenants.services import instance_token_create
from tests.sales import factories as f
from tests.sales.factories import mp  # noqa: F401

MEMBERS = 1 << 1
TIMEOUT = 15


@pytest.fixture
def sb() -> Iterator[DiscordSandbox]:
    with discord_py_sandbox() as sandbox:
        yield sandbox


@dataclass
class World:
    sb: DiscordSandbox
    app: dict[str, Any]
    guild_id: str
    channel_id: str
    owner: dict[str, Any]
    buyer: dict[str, Any]
    token: str
    platform_url: str
    products: dict[str, Any]


@pytest.fixture
def world(sb, live_server, shop, mp) -> World:  # noqa: F811
    prod = f.product(shop.tenant, description="Acesso completo")
    month = f.variant(prod, label="30 dias", price_cents=1990, keys=3)
    quarter = f.variant(prod, label="90 dias", price_cents=4990, keys=0)
    single = f.product(shop.tenant, name="Curso")
    course = f.variant(single, label="Vitalício", price_cents=10000, keys=5)
    f.coupon(shop.tenant, code="DEZ")
    _token, raw = instance_token_create(tenant=shop.tenant, actor=shop.owner)
    app = sb.create_application("Loja Bot", intents=MEMBERS)
    owner = sb.create_user("lojista")
    buyer = sb.create_user("alice", global_name="Alice")
    guild = sb.create_guild("Loja", [app["id"]], owner_id=owner["id"])
    sb.add_member(guild["id"], buyer["id"])
    return World(sb, app, guild["id"], guild["channels"][0]["id"], owner, buyer, raw,
                 live_server.url, {"prod": prod, "month": month, "quarter": quarter,
                                   "single": single, "course": course})


async def orm(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run Django code off the event loop, closing the worker thread's connection after."""

    def call() -> Any:
        from django.db import connections

        try:
            return func(*args, **kwargs)
        finally:
            connections.close_all()

    return await asyncio.to_thread(call)


def run_deliveries(world: World, settings: Any) -> list[str]:
    """What the fulfillment worker does: run every pending delivery with the bot's token
    against the sandbox; returns each order's status after."""
    from runtime.models import BotRuntime
    from sales.fulfillment.services import delivery_run
    from sales.models import Delivery, Order

    settings.DISCORD_API_BASE_URL = f"{world.sb.url}/api"
    tenant = world.products["prod"].tenant
    BotRuntime.objects.update_or_create(tenant=tenant,
                                        defaults={"discord_token": world.app["token"]})
    for delivery in Delivery.objects.for_tenant(tenant).filter(state=Delivery.State.PENDING):
        delivery_run(tenant_id=tenant.pk, delivery_id=delivery.pk)
    return [o.status for o in Order.objects.for_tenant(tenant).order_by("pk")]


class Tracker:
    """Wraps the storefront's handler runner: tests wait until interaction X was handled."""

    def __init__(self, store: Any) -> None:
        self.done: set[int] = set()
        self.cond = asyncio.Condition()
        original = store._guarded

        async def guarded(interaction: Any, work: Any) -> None:
            try:
                await original(interaction, work)
            finally:
                async with self.cond:
                    self.done.add(interaction.id)
                    self.cond.notify_all()

        store._guarded = guarded

    async def wait(self, interaction_id: str | int) -> None:
        async def ready() -> None:
            async with self.cond:
                await self.cond.wait_for(lambda: int(interaction_id) in self.done)

        await asyncio.wait_for(ready(), timeout=TIMEOUT)


@dataclass
class Running:
    client: ShopBot
    tracker: Tracker


def make_bot(world: World, **extra: Any) -> ShopBot:
    config = Config(discord_token=world.app["token"], platform_url=world.platform_url,
                    instance_token=world.token, discord_api_url="", discord_gateway_url="",
                    heartbeat_seconds=30, locale="", order_poll_seconds=0.1, **extra)
    return ShopBot(config, guild_ready_timeout=0.1)


class Recorder:
    """Wraps one coroutine method of an object (the real one still runs) and keeps each call's
    result, so a test can wait until, say, the bot handled a member join."""

    def __init__(self, target: Any, name: str) -> None:
        self.results: list[Any] = []
        self.cond = asyncio.Condition()
        original = getattr(target, name)

        async def recorded(*args: Any, **kwargs: Any) -> Any:
            result = await original(*args, **kwargs)
            async with self.cond:
                self.results.append((args, result))
                self.cond.notify_all()
            return result

        setattr(target, name, recorded)

    async def wait(self, count: int) -> list[Any]:
        """Until at least `count` calls returned; their (args, result) pairs."""
        async def ready() -> None:
            async with self.cond:
                await self.cond.wait_for(lambda: len(self.results) >= count)

        await asyncio.wait_for(ready(), timeout=TIMEOUT)
        return self.results[:count]

    async def until(self, match: Any) -> Any:
        """Until a call whose (args, result) satisfies `match(args, result)`; its result."""
        def found() -> list[Any]:
            return [result for args, result in self.results if match(args, result)]

        async def ready() -> None:
            async with self.cond:
                await self.cond.wait_for(lambda: bool(found()))

        await asyncio.wait_for(ready(), timeout=TIMEOUT)
        return found()[0]


@pytest_asyncio.fixture
async def running(world: World, request: pytest.FixtureRequest) -> AsyncIterator[Running]:
    """The bot, logged in; `@pytest.mark.parametrize("running", [{...}], indirect=True)` passes
    Config fields (e.g. cart_threads=False for the ephemeral flow)."""
    client = make_bot(world, **getattr(request, "param", {}))
    tracker = Tracker(client.store)
    async with running_client(client, world.app["token"], timeout=TIMEOUT):
        yield Running(client, tracker)
