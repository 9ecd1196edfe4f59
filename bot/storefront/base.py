"""The storefront's plumbing: per-buyer locks and rate limits, how API errors reach the buyer,
the buyer's customer record, the catalog, and the shop's linked server.

`Storefront` (bot/storefront/__init__.py) is this base plus one mixin per concern; they share
only the state set up here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.api import ApiError, BotAPI, PlatformUnavailable
from bot.i18n import normalize, t
from bot.ratelimit import UserBuckets

log = logging.getLogger("bot.store")

THROTTLED = (discord.InteractionType.component, discord.InteractionType.modal_submit)
GUILD_CACHE_SECONDS = 300  # how long the linked guild (settings/) is trusted


def present(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Drop unset message parts: discord.py wants them absent, not None, in followups."""
    return {k: v for k, v in kwargs.items() if v is not None}


class StoreBase:
    def __init__(self, api: BotAPI, *, locale: str = "", poll_seconds: float = 3.0,
                 rate: UserBuckets | None = None, cart_threads: bool = True) -> None:
        self.api = api
        self.rate = rate if rate is not None else UserBuckets()  # empty buckets are falsy
        self.cart_threads = cart_threads
        self.threads: dict[int, int] = {}  # buyer -> cart thread id (the platform's copy)
        self.threadless: dict[int, float] = {}  # channel -> monotonic time to try again
        self.guild_id: tuple[str, float] | None = None  # linked guild, when it was asked
        self.forced_locale = normalize(locale) if locale else ""
        self.shop_locale = ""
        self.poll_seconds = poll_seconds
        self.choices: dict[tuple[int, int], int] = {}
        self.known: set[int] = set()
        self.locks: dict[int, asyncio.Lock] = {}
        self.watchers: set[asyncio.Task] = set()

    @property
    def locale(self) -> str:
        return self.forced_locale or self.shop_locale or "pt-br"

    def t(self, key: str, **kwargs: object) -> str:
        return t(self.locale, key, **kwargs)

    async def close(self) -> None:
        for task in list(self.watchers):
            task.cancel()
        for task in list(self.watchers):
            with contextlib.suppress(BaseException):
                await task
        await self.api.close()

    def _lock(self, user_id: int) -> asyncio.Lock:
        if len(self.locks) > 10_000:  # forget idle buyers
            self.locks = {k: v for k, v in self.locks.items() if v.locked()}
        return self.locks.setdefault(user_id, asyncio.Lock())

    async def _reply(self, interaction: discord.Interaction, text: str) -> None:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)

    async def _slowed_down(self, interaction: discord.Interaction) -> bool:
        """Spend one of the buyer's actions; when none is left, say when to try again."""
        if interaction.type not in THROTTLED:
            return False
        wait = self.rate.take(interaction.user.id)
        if not wait:
            return False
        with contextlib.suppress(discord.HTTPException):
            await self._reply(interaction, self.t("slow_down", n=max(1, math.ceil(wait))))
        return True

    async def _guarded(self, interaction: discord.Interaction,
                       work: Callable[[], Awaitable[None]]) -> None:
        """Run `work` unless the buyer is going too fast; API errors are shown to the buyer
        as they come, ephemeral."""
        if await self._slowed_down(interaction):
            return
        try:
            await work()
        except PlatformUnavailable as exc:
            log.warning("platform unavailable: %s", exc.message)
            await self._reply(interaction, self.t("unavailable"))
        except ApiError as exc:
            await self._reply(interaction, exc.message)
        except discord.HTTPException as exc:
            log.warning("Discord refused an answer: %s", exc)

    async def _upsert(self, user: discord.abc.User) -> None:
        body = await self.api.customer_upsert(user.id, user.display_name)
        if self.known and len(self.known) > 50_000:
            self.known.clear()
            self.threads.clear()
        self.known.add(user.id)
        thread_id = str(body.get("cart_thread_id") or "")
        if thread_id.isdigit():
            self.threads[user.id] = int(thread_id)
        else:
            self.threads.pop(user.id, None)

    async def _as_customer(self, interaction: discord.Interaction,
                           call: Callable[[int], Awaitable[dict]]) -> dict[str, Any]:
        user = interaction.user
        if user.id not in self.known:
            await self._upsert(user)
        try:
            return await call(user.id)
        except ApiError as exc:
            if exc.code != "customer_not_found":
                raise
            await self._upsert(user)
            return await call(user.id)

    async def catalog(self) -> dict[str, Any]:
        catalog = await self.api.catalog()
        self.shop_locale = normalize(catalog.get("locale"))
        await self.with_ratings(catalog.get("products") or [])
        return catalog

    async def with_ratings(self, products: list[dict[str, Any]]) -> None:
        """Put each product's review average on it (`rating`) for cards and posts; a ratings
        outage only leaves them off."""
        if not products:
            return
        try:
            ratings = await self.api.ratings()
        except ApiError as exc:
            log.warning("ratings unavailable: %s", exc.code)
            return
        found = ratings.get("products") or {}
        for product in products:
            rating = found.get(str(product.get("id")))
            if rating:
                product["rating"] = rating

    async def _product(self, pid: int) -> dict[str, Any] | None:
        catalog = await self.catalog()
        return next((p for p in catalog["products"] if int(p["id"]) == pid), None)

    # -- members -------------------------------------------------------------------------------
    async def member_joined(self, member: discord.Member) -> int | None:
        """A buyer (re)joined: the platform grants again the roles that failed while they were
        away. Returns how many it queued; None for bots, other servers, or errors (logged)."""
        if member.bot:
            return None
        linked = await self._linked_guild()
        if linked and linked != str(member.guild.id):
            return None
        try:
            body = await self.api.member_joined(member.id)
        except ApiError as exc:
            log.warning("member join of %s not reported: %s", member.id, exc.code)
            return None
        requeued = int(body.get("requeued") or 0)
        if requeued:
            log.info("member %s joined: %s role deliveries queued again", member.id, requeued)
        return requeued

    async def _linked_guild(self) -> str:
        """The server the shop is linked to ("" when not linked or unknown)."""
        cached = self.guild_id
        if cached and time.monotonic() - cached[1] < GUILD_CACHE_SECONDS:
            return cached[0]
        try:
            body = await self.api.settings()
        except ApiError as exc:
            log.warning("settings unavailable: %s", exc.code)
            return cached[0] if cached else ""
        self.guild_id = (str(body.get("guild_id") or ""), time.monotonic())
        return self.guild_id[0]
