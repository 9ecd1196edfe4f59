"""The checkout message (PIX code, QR, card link), its outcome once paid, and /meuspedidos.

The order's stage, outcome, tone and allowed actions come from the Bot API: the bot keeps no
list of statuses.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.i18n import known, t
from bot.ui.components import ResendButton, SimulateButton
from bot.ui.text import BRAND, TIMES, TONES
from bot.ui.text import trim as _trim
from bot.ui.text import unix as _unix


def checkout_embed(order: dict[str, Any], payment: dict[str, Any] | None, locale: str,
                   has_qr: bool) -> discord.Embed:
    embed = discord.Embed(title=t(locale, "order", code=order["code"]), colour=BRAND)
    rows = [f"{ln['quantity']}{TIMES} {ln['product_name']} · {ln['variant_label']}"
            for ln in order.get("lines") or []]
    # No payment: the buyer's store credit paid it all.
    help_text = t(locale, "pix_help" if payment else "credit_paid")
    embed.description = _trim("\n".join([*rows, "", help_text]), 4000)
    embed.add_field(name=t(locale, "total"), value=f"**{order['total_display']}**")
    if int(order.get("credit_applied_cents") or 0):
        embed.add_field(name=t(locale, "credit_applied"), value=order["credit_applied_display"])
    expires = _unix((payment or {}).get("expires_at") or order.get("payment_expires_at"))
    if expires:
        embed.add_field(name=t(locale, "expires"), value=f"<t:{expires}:R> (<t:{expires}:t>)")
    if has_qr:
        embed.set_image(url="attachment://pix.png")
    return embed


def checkout_view(payment: dict[str, Any] | None, locale: str,
                  code: str = "") -> discord.ui.View | None:
    url = (payment or {}).get("checkout_url") or ""
    card = url.startswith(("http://", "https://"))
    # The platform sets simulate_url only on the demo's Mercado Pago sandbox.
    simulate = bool((payment or {}).get("simulate_url")) and bool(code)
    if not card and not simulate:
        return None
    view = discord.ui.View(timeout=None)
    if card:
        view.add_item(discord.ui.Button(label=t(locale, "pay_card"), url=url))
    if simulate:
        view.add_item(SimulateButton(code, label=t(locale, "simulate")))
    return view


def outcome_embed(order: dict[str, Any], locale: str) -> discord.Embed:
    """How the order went (the API's `outcome` picks the words, `tone` the colour)."""
    label = order.get("status_display") or order["status"]
    outcome = str(order.get("outcome") or "")
    text = t(locale, outcome) if known(outcome) else label
    embed = discord.Embed(title=t(locale, "order", code=order["code"]), description=text,
                          colour=TONES.get(str(order.get("tone")), TONES["danger"]))
    embed.add_field(name=t(locale, "status"), value=label)
    embed.add_field(name=t(locale, "total"), value=order["total_display"])
    return embed


def orders_embed(orders: list[dict[str, Any]], locale: str) -> discord.Embed:
    embed = discord.Embed(title=t(locale, "my_orders"), colour=BRAND)
    if not orders:
        embed.description = t(locale, "no_orders")
        return embed
    rows = []
    for order in orders[:15]:
        when = _unix(order.get("created_at"))
        date = f" · <t:{when}:d>" if when else ""
        rows.append(f"`{order['code']}` — {order['status_display']} — "
                    f"{order['total_display']}{date}")
    embed.description = _trim("\n".join(rows), 4000)
    return embed


MAX_RESEND_BUTTONS = 25


def orders_view(orders: list[dict[str, Any]], locale: str) -> discord.ui.View | None:
    """A "Reenviar para DM" button per delivered order listed in the embed."""
    codes = [o["code"] for o in orders[:15] if o.get("can_resend")]
    if not codes:
        return None
    view = discord.ui.View(timeout=None)
    for code in codes[:MAX_RESEND_BUTTONS]:
        view.add_item(ResendButton(code, label=f"{t(locale, 'resend')} · {code}"))
    return view
