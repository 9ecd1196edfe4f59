"""The cart: its embed (lines, subtotal, discount, total, all formatted by the platform) and
its buttons (quantity, remove, coupon, checkout)."""

from __future__ import annotations

from typing import Any

import discord

from bot.i18n import t
from bot.ui.components import CheckoutButton, CouponButton, QuantityButton
from bot.ui.text import BRAND, MINUS, TIMES
from bot.ui.text import trim as _trim

# The buyer picks how to pay at checkout when the shop offers more than PIX (bot/texts/payments).
METHOD_LABELS = {"pix": "pay_pix", "card": "pay_card_mp", "stripe_card": "pay_card_stripe"}
MAX_CART_ROWS = 4  # a message has 5 rows: 4 for lines, 1 for coupon + checkout
LESS, MORE = "\u2796", "\u2795"  # heavy minus / plus emoji


def _line_name(line: dict[str, Any]) -> str:
    return f"{line['product_name']} · {line['variant_label']}"


def cart_embed(cart: dict[str, Any], locale: str) -> discord.Embed:
    embed = discord.Embed(title=t(locale, "cart"), colour=BRAND)
    lines = cart.get("lines") or []
    if not lines:
        embed.description = t(locale, "cart_empty")
        return embed
    rows = [f"{ln['quantity']}{TIMES} {_line_name(ln)} — {ln['total_display']}" for ln in lines]
    if len(lines) > MAX_CART_ROWS:
        rows.append(t(locale, "more_lines", n=len(lines) - MAX_CART_ROWS))
    embed.description = _trim("\n".join(rows), 4000)
    if cart.get("discount_cents"):
        embed.add_field(name=t(locale, "subtotal"), value=cart["subtotal_display"])
        embed.add_field(name=t(locale, "discount"), value=f"{MINUS}{cart['discount_display']}")
    if cart.get("coupon"):
        embed.add_field(name=t(locale, "coupon"), value=f"`{cart['coupon']}`")
    embed.add_field(name=t(locale, "total"), value=f"**{cart['total_display']}**", inline=False)
    return embed


def cart_view(cart: dict[str, Any], locale: str) -> discord.ui.View | None:
    lines = cart.get("lines") or []
    if not lines:
        return None
    view = discord.ui.View(timeout=None)
    for row, line in enumerate(lines[:MAX_CART_ROWS]):
        vid, qty = int(line["variant_id"]), int(line["quantity"])
        view.add_item(QuantityButton(vid, qty - 1, label=LESS, row=row, disabled=qty <= 1))
        view.add_item(QuantityButton(vid, qty + 1, label=MORE, row=row))
        view.add_item(QuantityButton(
            vid, 0, row=row, style=discord.ButtonStyle.danger,
            label=_trim(f"{t(locale, 'remove')}: {qty}{TIMES} {_line_name(line)}", 80)))
    last = min(len(lines), MAX_CART_ROWS)
    view.add_item(CouponButton(label=t(locale, "apply_coupon"), row=last))
    methods = [m for m in cart.get("payment_methods") or ["pix"] if m in METHOD_LABELS]
    if len(methods) <= 1:  # one way to pay: the plain "Check out" button, as before
        view.add_item(CheckoutButton(int(cart["total_cents"]), label=t(locale, "checkout"),
                                     row=last, method=(methods or ["pix"])[0]))
        return view
    for method in methods[:4]:  # the method picker: coupon + up to four on the last row
        view.add_item(CheckoutButton(int(cart["total_cents"]), row=last, method=method,
                                     label=t(locale, METHOD_LABELS[method])))
    return view


def currency_view(options: list[dict[str, Any]], method: str, locale: str) -> discord.ui.View:
    """The currency picker (card via Stripe, when the cart is priced in several): one button
    per currency, each carrying that currency's total."""
    view = discord.ui.View(timeout=None)
    for option in options[:5]:
        view.add_item(CheckoutButton(int(option["total_cents"]), method=method,
                                     currency=str(option["currency"]),
                                     label=t(locale, "pay_in", total=option["total_display"])))
    return view


def currency_options(cart: dict[str, Any], method: str) -> list[dict[str, Any]]:
    """The cart's currencies that `method` takes (the platform says which, with totals)."""
    return [c for c in cart.get("currencies") or [] if method in (c.get("methods") or [])]
