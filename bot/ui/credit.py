"""/saldo's embed and a top-up's PIX message (numbers and words come from the Bot API)."""

from __future__ import annotations

from typing import Any

import discord

from bot.i18n import t
from bot.ui.text import BRAND, GREEN
from bot.ui.text import trim as _trim
from bot.ui.text import unix as _unix


def credit_embed(body: dict[str, Any], locale: str) -> discord.Embed:
    embed = discord.Embed(title=t(locale, "credit_title"), colour=BRAND,
                          description=f"## {body['balance_display']}")
    rows = []
    for line in body.get("history") or []:
        when = _unix(line.get("at"))
        date = f"<t:{when}:d> · " if when else ""
        sign = "+" if int(line["delta_cents"]) > 0 else ""
        rows.append(f"{date}{line['kind_display']} · **{sign}{line['delta_display']}**")
    embed.add_field(name=t(locale, "credit_history"),
                    value=_trim("\n".join(rows), 1000) or t(locale, "credit_no_history"),
                    inline=False)
    topup = body.get("topup") or {}
    if topup.get("enabled"):
        hint = t(locale, "credit_topup_hint", min=topup["min_display"], max=topup["max_display"])
        if topup.get("bonus_percent"):
            hint += "\n" + t(locale, "credit_topup_bonus", bonus=topup["bonus_percent"])
    else:
        hint = t(locale, "credit_topup_off")
    embed.set_footer(text=_trim(hint.replace("`", "") + "\n" + t(locale, "credit_spend_hint"),
                                2000))
    return embed


def topup_embed(body: dict[str, Any], locale: str, has_qr: bool) -> discord.Embed:
    embed = discord.Embed(title=t(locale, "topup_title", amount=body["amount_display"]),
                          colour=GREEN, description=t(locale, "topup_help"))
    if int(body.get("bonus_cents") or 0):
        embed.add_field(name=t(locale, "topup_bonus", bonus=body["bonus_display"]), value="\u200b")
    expires = _unix((body.get("payment") or {}).get("expires_at"))
    if expires:
        embed.add_field(name=t(locale, "expires"), value=f"<t:{expires}:R>")
    if has_qr:
        embed.set_image(url="attachment://pix.png")
    return embed
