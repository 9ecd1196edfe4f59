"""Staff commands: /estoque, /entregar, /reembolsar, /vincular. The bot says who is asking
(the staff claim); the platform decides (sales/api/README.md, trust model)."""

from __future__ import annotations

import time
from typing import Any

import discord

from bot.storefront.base import StoreBase
from bot.ui import catalog as catalog_ui


class StaffCommands(StoreBase):
    # -- staff ---------------------------------------------------------------------------------
    def _is_staff(self, interaction: discord.Interaction) -> bool:
        perms = interaction.permissions
        return interaction.guild_id is not None and (perms.manage_guild or perms.administrator)

    def _staff_claim(self, interaction: discord.Interaction) -> dict[str, Any]:
        """Who is asking, for the platform's staff check (sales/api/README.md, trust model)."""
        roles = getattr(interaction.user, "roles", None) or []
        return {"user_id": str(interaction.user.id), "guild_id": str(interaction.guild_id or ""),
                "role_ids": [str(r.id) for r in roles][:250],
                "manage_guild": self._is_staff(interaction)}

    async def _staff_or_refuse(self, interaction: discord.Interaction) -> dict[str, Any] | None:
        """Manage Server, or the shop's staff role (from settings/); else answer and None.
        Called after defer: the settings call may be slower than Discord's 3 seconds."""
        claim = self._staff_claim(interaction)
        if interaction.guild_id is None:
            await self._reply(interaction, self.t("guild_only"))
            return None
        if claim["manage_guild"]:
            return claim
        role = str((await self.api.settings()).get("staff_role_id") or "")
        if role and role in claim["role_ids"]:
            return claim
        await self._reply(interaction, self.t("staff_only_role"))
        return None

    async def stock(self, interaction: discord.Interaction) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            if await self._staff_or_refuse(interaction) is None:
                return
            products = (await self.catalog())["products"]
            await interaction.followup.send(embed=catalog_ui.stock_embed(products, self.locale),
                                            ephemeral=True)
        await self._guarded(interaction, work)

    async def deliver(self, interaction: discord.Interaction, code: str) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            claim = await self._staff_or_refuse(interaction)
            if claim is None:
                return
            body = await self.api.order_deliver(code.strip().lstrip("#"), claim)
            await interaction.followup.send(body["message"], ephemeral=True)
        await self._guarded(interaction, work)

    async def refund(self, interaction: discord.Interaction, code: str, reason: str) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            claim = await self._staff_or_refuse(interaction)
            if claim is None:
                return
            body = await self.api.order_refund(code.strip().lstrip("#"), claim, reason)
            await interaction.followup.send(body["message"], ephemeral=True)
        await self._guarded(interaction, work)

    async def link(self, interaction: discord.Interaction, key: str) -> None:
        if interaction.guild_id is None:
            await self._reply(interaction, self.t("guild_only"))
            return
        if not self._is_staff(interaction):
            await self._reply(interaction, self.t("staff_only"))
            return

        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            body = await self.api.link(guild_id=interaction.guild_id, key=key.strip())
            self.guild_id = (str(interaction.guild_id), time.monotonic())
            await interaction.followup.send(self.t("linked", shop=body.get("shop", "")),
                                            ephemeral=True)
        await self._guarded(interaction, work)
