"""The bot's edge of the growth features (the decisions are the platform's, growth/):

- storefront views: after /loja showed its cards, the bot tells the platform which (funnel);
- member joins: the platform decides whether and how to welcome the new member;
- /notificacoes: the buyer turns abandoned-cart reminders on or off.

Reports are fire-and-forget: a lost view must never slow down or break a sale.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord

from bot.api import ApiError, BotAPI, _seg

log = logging.getLogger("bot.growth")
_pending: set[asyncio.Task] = set()  # strong references until the report is done


async def views_report(api: BotAPI, product_ids: list[int]) -> None:
    try:
        await api.request("POST", "storefront/views/",
                          {"product_ids": [int(pid) for pid in product_ids][:50]})
    except ApiError as exc:
        log.info("storefront view not recorded: %s", exc.code)


def views_report_soon(api: BotAPI, products: list[dict[str, Any]]) -> None:
    task = asyncio.create_task(views_report(api, [int(p["id"]) for p in products]))
    _pending.add(task)
    task.add_done_callback(_pending.discard)


async def member_welcome(store: Any, member: discord.Member) -> bool:
    """Tell the platform a member joined the shop's server; it welcomes them (or not)."""
    if member.bot:
        return False
    linked = await store._linked_guild()
    if linked and linked != str(member.guild.id):
        return False
    try:
        body = await store.api.request("POST", "members/welcome/",
                                 {"discord_user_id": str(member.id)})
    except ApiError as exc:
        log.warning("member join of %s not reported for the welcome: %s", member.id, exc.code)
        return False
    return bool(body.get("welcomed"))


async def notifications_set(api: BotAPI, user_id: int | str, enabled: bool) -> bool:
    body = await api.request("PUT", f"customers/{_seg(user_id)}/notifications/",
                             {"enabled": bool(enabled)})
    return bool(body.get("enabled"))


async def notifications_command(store: Any, interaction: discord.Interaction,
                                enabled: bool) -> None:
    """/notificacoes ligar|desligar; the buyer is registered first (the platform answers 404
    for a buyer the shop does not know)."""

    async def work() -> None:
        await store._upsert(interaction.user)
        on = await notifications_set(store.api, interaction.user.id, enabled)
        await store._reply(interaction, store.t("notifications_on" if on
                                                else "notifications_off"))

    await store._guarded(interaction, work)
