"""Reviews (the DM's star buttons and comment modal) and /aprovar (staff releases an order a
risk rule held). The platform decides who may review what and for how long."""

from __future__ import annotations

import discord

from bot.storefront.staff import StaffCommands
from bot.ui.components import ReviewModal


class TrustFlows(StaffCommands):
    async def open_review(self, interaction: discord.Interaction, code: str,
                          stars: int) -> None:
        """A star was clicked: the modal must be Discord's first answer (within 3 seconds),
        so nothing is asked of the platform before it opens."""
        if await self._slowed_down(interaction):
            return
        await interaction.response.send_modal(ReviewModal(self.locale, code, stars))

    async def submit_review(self, interaction: discord.Interaction, code: str, stars: int,
                            comment: str) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            body = await self.api.review_submit(code, interaction.user.id, stars, comment)
            await interaction.followup.send(body["message"], ephemeral=True)
        await self._guarded(interaction, work)

    async def approve(self, interaction: discord.Interaction, code: str) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            claim = await self._staff_or_refuse(interaction)
            if claim is None:
                return
            body = await self.api.order_approve(code.strip().lstrip("#"), claim)
            await interaction.followup.send(body["message"], ephemeral=True)
        await self._guarded(interaction, work)
