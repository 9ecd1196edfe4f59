"""The buyer's private cart thread ("🛒 Carrinho · name", its id kept by the platform), and
how a cart or checkout message is shown there or, where threads cannot be used, ephemeral."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

import discord

from bot.api import ApiError
from bot.storefront.base import StoreBase, log, present

THREADLESS_SECONDS = 600  # after a 403, don't try threads in that channel for a while


class CartThreads(StoreBase):
    # -- cart thread ---------------------------------------------------------------------------
    async def _cart_thread(self, interaction: discord.Interaction) -> discord.Thread | None:
        """The buyer's private cart thread: the one they act in, else their stored one while
        it works, else a new one in this text channel. None where threads can't be used (DMs,
        other channel types, no permission): the caller keeps the ephemeral flow."""
        user, channel = interaction.user, interaction.channel
        if not self.cart_threads or interaction.guild is None:
            return None
        if user.id not in self.known:
            await self._upsert(user)
        if isinstance(channel, discord.Thread):
            return channel if self.threads.get(user.id) == channel.id else None
        if not isinstance(channel, discord.TextChannel):
            return None
        if self.threadless.get(channel.id, 0.0) > time.monotonic():
            return None
        return await self._stored_thread(interaction) or \
            await self._open_thread(interaction, channel)

    async def _stored_thread(self, interaction: discord.Interaction) -> discord.Thread | None:
        user, guild = interaction.user, interaction.guild
        thread_id = self.threads.get(user.id)
        if not thread_id or guild is None:
            return None
        thread = guild.get_thread(thread_id)
        if thread is None:  # not in the cache (e.g. after a restart): ask Discord
            thread = await self._fetch_thread(interaction.client, guild.id, thread_id)
            if thread is not None and not (thread.archived or thread.locked):
                try:  # first use since the bot started: the buyer may have left it
                    await thread.add_user(user)
                except discord.HTTPException as exc:
                    log.info("cart thread %s: buyer not added back: %s", thread_id, exc)
                    thread = None
        if thread is None or thread.archived or thread.locked:
            self.threads.pop(user.id, None)
            return None
        return thread

    @staticmethod
    async def _fetch_thread(client: discord.Client, guild_id: int,
                            thread_id: int) -> discord.Thread | None:
        try:
            found = await client.fetch_channel(thread_id)
        except discord.HTTPException as exc:  # 10003 deleted, 50001 no longer visible
            log.info("cart thread %s unusable: %s", thread_id, exc)
            return None
        if isinstance(found, discord.Thread) and found.guild.id == guild_id:
            return found
        return None

    async def _open_thread(self, interaction: discord.Interaction,
                           channel: discord.TextChannel) -> discord.Thread | None:
        user = interaction.user
        name = self.t("thread_name", name=user.display_name)[:100]
        try:
            thread = await channel.create_thread(
                name=name, type=discord.ChannelType.private_thread, invitable=False,
                reason=f"cart of {user.id}")
        except discord.HTTPException as exc:
            if isinstance(exc, discord.Forbidden):  # 50013/50001: no private threads here
                if len(self.threadless) > 10_000:
                    self.threadless.clear()
                self.threadless[channel.id] = time.monotonic() + THREADLESS_SECONDS
            log.info("no cart thread in channel %s: %s", channel.id, exc)
            return None
        try:
            await thread.add_user(user)
        except discord.HTTPException as exc:
            log.info("cart thread %s: buyer not added: %s", thread.id, exc)
            with contextlib.suppress(discord.HTTPException):
                await thread.delete()
            return None
        self.threads[user.id] = thread.id
        try:
            await self.api.customer_thread(user.id, thread.id)
        except ApiError as exc:  # this time still works; next start opens another one
            log.warning("the platform did not record cart thread %s: %s", thread.id, exc.code)
        return thread

    async def _show(self, interaction: discord.Interaction, thread: discord.Thread | None,
                    message: Callable[[bool], dict[str, Any]], *,
                    pointer: Callable[[discord.Thread], str]) -> tuple[Any, bool]:
        """Post a cart or checkout message in the buyer's thread and point them there
        (ephemeral); without a thread, or when it refuses the message, send it ephemeral.
        Returns the message and whether it is in the thread."""
        if thread is not None:
            try:
                sent = await thread.send(**present(message(True)))
            except discord.HTTPException as exc:
                log.info("cart thread %s refused a message: %s", thread.id, exc)
                self.threads.pop(interaction.user.id, None)
            else:
                if interaction.channel_id == thread.id:  # acted inside it: the post says it
                    with contextlib.suppress(discord.HTTPException):
                        await interaction.delete_original_response()
                else:
                    await interaction.followup.send(pointer(thread), ephemeral=True)
                return sent, True
        sent = await interaction.followup.send(**present(message(False)), ephemeral=True,
                                               wait=True)
        return sent, False
