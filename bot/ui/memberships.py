"""Membership components and embeds: the tier select, the method buttons, /assinatura's
buttons, the payment message. Components are DynamicItems (they survive restarts); their
callbacks hand over to the storefront (`client.store`)."""

from __future__ import annotations

from typing import Any

import discord

from bot.i18n import t
from bot.ui.text import BRAND, GREEN, RED, trim, unix


class TierSelect(discord.ui.DynamicItem[discord.ui.Select],
                 template=r"vt:ms:(?P<action>tier|switch)"):
    def __init__(self, action: str, *, options: list[discord.SelectOption] | None = None,
                 placeholder: str | None = None) -> None:
        super().__init__(discord.ui.Select(
            custom_id=f"vt:ms:{action}", placeholder=placeholder,
            options=options or [discord.SelectOption(label="-", value="0")]))
        self.action = action

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item,
                             match: Any) -> TierSelect:
        return cls(match["action"])

    async def callback(self, interaction: discord.Interaction) -> None:
        values = (interaction.data or {}).get("values") or ["0"]
        tier_id = int(values[0]) if str(values[0]).isdigit() else 0
        if self.action == "switch":
            await interaction.client.store.membership_switch(interaction, tier_id)
        else:
            await interaction.client.store.membership_methods(interaction, tier_id)


class MethodButton(discord.ui.DynamicItem[discord.ui.Button],
                   template=r"vt:ms:pay:(?P<tier>\d+):(?P<method>pix|card)"):
    def __init__(self, tier_id: int, method: str, *, label: str = "PIX") -> None:
        style = discord.ButtonStyle.success if method == "pix" else discord.ButtonStyle.primary
        super().__init__(discord.ui.Button(label=label[:80], style=style,
                                           custom_id=f"vt:ms:pay:{tier_id}:{method}"))
        self.tier_id, self.method = tier_id, method

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item,
                             match: Any) -> MethodButton:
        return cls(int(match["tier"]), match["method"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.store.membership_subscribe(interaction, self.tier_id,
                                                            self.method)


class MemberButton(discord.ui.DynamicItem[discord.ui.Button],
                   template=r"vt:ms:(?P<action>cancel|paynow)"):
    def __init__(self, action: str, *, label: str = "-") -> None:
        style = discord.ButtonStyle.danger if action == "cancel" else \
            discord.ButtonStyle.success
        super().__init__(discord.ui.Button(label=label[:80], style=style,
                                           custom_id=f"vt:ms:{action}"))
        self.action = action

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item,
                             match: Any) -> MemberButton:
        return cls(match["action"])

    async def callback(self, interaction: discord.Interaction) -> None:
        store = interaction.client.store
        if self.action == "cancel":
            await store.membership_cancel(interaction)
        else:
            await store.membership_pay(interaction)


DYNAMIC_ITEMS = (TierSelect, MethodButton, MemberButton)


def _tier_line(tier: dict[str, Any], locale: str) -> str:
    line = t(locale, "ms_per", price=tier["price"], period=tier["period_label"])
    if tier.get("trial_days"):
        line += " · " + t(locale, "ms_trial", n=tier["trial_days"])
    return line


def _options(tiers: list[dict[str, Any]], locale: str,
             skip: int | None = None) -> list[discord.SelectOption]:
    return [discord.SelectOption(label=trim(tr["name"], 100), value=str(tr["id"]),
                                 description=trim(_tier_line(tr, locale), 100))
            for tr in tiers[:25] if tr["id"] != skip]


def tiers_embed(tiers: list[dict[str, Any]], locale: str) -> discord.Embed:
    embed = discord.Embed(title=t(locale, "ms_title"), colour=BRAND)
    if not tiers:
        embed.description = t(locale, "ms_none")
    for tier in tiers[:25]:
        value = _tier_line(tier, locale)
        if tier.get("description"):
            value = f"{tier['description']}\n{value}"
        embed.add_field(name=tier["name"], value=trim(value, 1024), inline=False)
    return embed


def tiers_view(tiers: list[dict[str, Any]], locale: str) -> discord.ui.View | None:
    if not tiers:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(TierSelect("tier", options=_options(tiers, locale),
                             placeholder=t(locale, "ms_pick")))
    return view


def methods_view(tier_id: int, locale: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(MethodButton(tier_id, "pix", label=t(locale, "ms_pix")))
    view.add_item(MethodButton(tier_id, "card", label=t(locale, "ms_card")))
    return view


def payment_embed(tier_name: str, payment: dict[str, Any], locale: str,
                  has_qr: bool) -> discord.Embed:
    embed = discord.Embed(title=t(locale, "ms_pay_title", tier=tier_name), colour=BRAND)
    help_key = "pix_help" if payment.get("pix_code") else "ms_pay_help"
    embed.description = t(locale, help_key)
    embed.add_field(name=t(locale, "ms_amount"), value=str(payment.get("amount_display")
                                                            or _amount(payment)))
    expires = unix(payment.get("expires_at"))
    if expires:
        embed.add_field(name=t(locale, "expires"), value=f"<t:{expires}:R>")
    if has_qr:
        embed.set_image(url="attachment://pix.png")
    return embed


def _amount(payment: dict[str, Any]) -> str:
    cents = int(payment.get("amount_cents") or 0)
    return f"{payment.get('currency', 'BRL')} {cents // 100},{cents % 100:02d}"


def payment_view(payment: dict[str, Any], locale: str) -> discord.ui.View | None:
    url = payment.get("checkout_url") or ""
    if not url.startswith(("http://", "https://")):
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label=t(locale, "ms_card_link"), url=url))
    return view


def member_embed(member: dict[str, Any], locale: str) -> discord.Embed:
    status = member["status"]
    colour = RED if status in ("past_due", "ended") else GREEN
    embed = discord.Embed(title=t(locale, "ms_yours"), colour=colour)
    embed.add_field(name=t(locale, "ms_tier"), value=member["tier"]["name"])
    embed.add_field(name=t(locale, "ms_status"), value=member["status_label"])
    until = unix(member.get("period_end"))
    if until:
        embed.add_field(name=t(locale, "ms_until"), value=f"<t:{until}:D>")
    grace = unix(member.get("grace_ends_at"))
    if grace and status == "past_due":
        embed.add_field(name=t(locale, "ms_grace_until"), value=f"<t:{grace}:D>")
    if member.get("next_tier"):
        embed.add_field(name=t(locale, "ms_next_tier"), value=member["next_tier"]["name"])
    return embed


def member_view(member: dict[str, Any], tiers: list[dict[str, Any]],
                locale: str) -> discord.ui.View | None:
    status = member["status"]
    view = discord.ui.View(timeout=None)
    if status in ("active", "trialing") and member.get("method") != "kofi":
        options = _options(tiers, locale, skip=member["tier"]["id"])
        if options:
            view.add_item(TierSelect("switch", options=options,
                                     placeholder=t(locale, "ms_switch")))
    if status == "past_due":
        view.add_item(MemberButton("paynow", label=t(locale, "ms_pay_now")))
    if status in ("active", "trialing", "past_due"):
        view.add_item(MemberButton("cancel", label=t(locale, "ms_cancel")))
    return view if view.children else None
