"""/afiliado: the buyer's affiliate code and earnings, or someone else's code to use."""

from __future__ import annotations

import discord

from bot.storefront.base import StoreBase
from bot.ui.text import BRAND


class Affiliates(StoreBase):
    async def affiliate(self, interaction: discord.Interaction, code: str = "") -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            if code.strip():
                body = await self._as_customer(
                    interaction, lambda uid: self.api.referral_use(uid, code.strip()))
                await interaction.followup.send(self.t("referral_ok", code=body["code"]),
                                                ephemeral=True)
                return
            body = await self._as_customer(interaction, self.api.affiliate)
            embed = discord.Embed(title=self.t("affiliate_title", code=body["code"]),
                                  colour=BRAND, description=self.t(
                                      "affiliate_help", code=body["code"],
                                      percent=body["percent"]))
            embed.add_field(name=self.t("affiliate_clicks"), value=str(body["clicks"]))
            embed.add_field(name=self.t("affiliate_sales"), value=str(body["sales"]))
            embed.add_field(name=self.t("affiliate_owed"), value=body["owed_display"])
            embed.add_field(name=self.t("affiliate_paid"), value=body["paid_display"])
            if body.get("debt_display") and not body["debt_display"].endswith("0,00") \
                    and not body["debt_display"].endswith("0.00"):
                embed.add_field(name=self.t("affiliate_debt"), value=body["debt_display"])
            await interaction.followup.send(embed=embed, ephemeral=True)
        await self._guarded(interaction, work)
