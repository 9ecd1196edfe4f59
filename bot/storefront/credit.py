"""/saldo (balance, history, PIX top-up) and /resgatar (gift cards): ask the platform, show."""

from __future__ import annotations

import io

import discord

from bot.api import PlatformUnavailable
from bot.storefront.base import StoreBase, log
from bot.ui import credit as credit_ui

MAX_TOPUP_REAIS = 100_000


class StoreCredit(StoreBase):
    async def show_credit(self, interaction: discord.Interaction,
                          topup_reais: int | None = None) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            if topup_reais:
                async with self._lock(interaction.user.id):  # one PIX per double submit
                    await self._topup(interaction, int(topup_reais) * 100)
                return
            body = await self._as_customer(interaction, self.api.credit)
            await interaction.followup.send(embed=credit_ui.credit_embed(body, self.locale),
                                            ephemeral=True)
        await self._guarded(interaction, work)

    async def _topup(self, interaction: discord.Interaction, amount_cents: int) -> None:
        body = await self._as_customer(
            interaction, lambda uid: self.api.credit_topup(uid, amount_cents))
        payment = body.get("payment") or {}
        qr = None
        if payment.get("qr_image_url"):
            try:
                qr = await self.api.fetch_bytes(payment["qr_image_url"])
            except PlatformUnavailable as exc:  # the copy-paste code still works
                log.warning("PIX QR image unavailable: %s", exc.message)
        kwargs = {"embed": credit_ui.topup_embed(body, self.locale, has_qr=qr is not None),
                  "ephemeral": True}
        if payment.get("pix_code"):
            kwargs["content"] = f"```\n{payment['pix_code']}\n```"
        if qr is not None:
            kwargs["file"] = discord.File(io.BytesIO(qr), filename="pix.png")
        await interaction.followup.send(**kwargs)

    async def redeem(self, interaction: discord.Interaction, code: str) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            async with self._lock(interaction.user.id):
                body = await self._as_customer(
                    interaction, lambda uid: self.api.credit_redeem(uid, code.strip()))
            await interaction.followup.send(
                self.t("redeemed", amount=body["credited_display"],
                       balance=body["balance_display"]), ephemeral=True)
        await self._guarded(interaction, work)
