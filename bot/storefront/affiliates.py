"""/afiliado: the buyer's affiliate code, links and earnings, or someone else's code to use;
/afiliado-sacar and /afiliado-saldo take the commissions out (PIX, or store credit)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

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
            links = [f"• {link['name'] or self.t('affiliate_shop_link')}: {link['url']}"
                     for link in body.get("links", [])]
            if links:
                embed.add_field(name=self.t("affiliate_links"), value="\n".join(links)[:1024],
                                inline=False)
            embed.add_field(name=self.t("affiliate_link_clicks"),
                            value=str(body.get("link_clicks", 0)))
            embed.add_field(name=self.t("affiliate_clicks"), value=str(body["clicks"]))
            embed.add_field(name=self.t("affiliate_sales"), value=str(body["sales"]))
            embed.add_field(name=self.t("affiliate_owed"), value=body["owed_display"])
            embed.add_field(name=self.t("affiliate_paid"), value=body["paid_display"])
            embed.add_field(name=self.t("affiliate_balance"), value=body["balance_display"])
            if body.get("debt_display") and not body["debt_display"].endswith("0,00") \
                    and not body["debt_display"].endswith("0.00"):
                embed.add_field(name=self.t("affiliate_debt"), value=body["debt_display"])
            await interaction.followup.send(embed=embed, ephemeral=True)
        await self._guarded(interaction, work)

    async def affiliate_withdraw(self, interaction: discord.Interaction, amount: str,
                                 key_type: str, key: str) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            cents = cents_of(amount)
            if cents is None:
                await interaction.followup.send(self.t("affiliate_amount_bad"), ephemeral=True)
                return
            # The interaction's id is the request's: a retried call makes no second withdrawal.
            body = await self._as_customer(interaction, lambda uid: self.api.affiliate_withdraw(
                uid, cents, key_type, key, str(interaction.id)))
            await interaction.followup.send(self.t("affiliate_withdraw_ok",
                                                   amount=body["amount_display"]),
                                            ephemeral=True)
        await self._guarded(interaction, work)

    async def affiliate_to_credit(self, interaction: discord.Interaction, amount: str) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            cents = cents_of(amount)
            if cents is None:
                await interaction.followup.send(self.t("affiliate_amount_bad"), ephemeral=True)
                return
            body = await self._as_customer(interaction, lambda uid: self.api.affiliate_to_credit(
                uid, cents, str(interaction.id)))
            await interaction.followup.send(self.t("affiliate_to_credit_ok",
                                                   amount=body["moved_display"],
                                                   left=body["balance_display"]),
                                            ephemeral=True)
        await self._guarded(interaction, work)


def cents_of(text: str) -> int | None:
    """'12,50', '12.50', 'R$ 12' -> centavos; None for anything else (the platform checks the
    amount against the balance; this only reads what was typed)."""
    cleaned = (text or "").replace("R$", "").replace(" ", "").strip()
    if cleaned.count(",") == 1 and "." in cleaned:
        cleaned = cleaned.replace(".", "")  # 1.234,56
    cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    cents = value * 100
    if not value.is_finite() or cents != cents.to_integral_value() or not 0 < cents <= 10**7:
        return None
    return int(cents)
