"""Product cards (embed, variant select, Comprar / Adicionar buttons) and the stock list."""

from __future__ import annotations

from typing import Any

import discord

from bot.i18n import t
from bot.ui.components import AddButton, BuyButton, VariantSelect
from bot.ui.text import BRAND, DASH, RED
from bot.ui.text import trim as _trim


def price_text(variants: list[dict[str, Any]]) -> str:
    if not variants:
        return "—"
    ordered = sorted(variants, key=lambda v: v["price_cents"])
    low, high = ordered[0], ordered[-1]
    if low["price_cents"] == high["price_cents"]:
        return low["price_display"]
    return f"{low['price_display']} {DASH} {high['price_display']}"


def stock_text(variants: list[dict[str, Any]], locale: str) -> str:
    if not any(v["in_stock"] for v in variants):
        return t(locale, "sold_out")
    counted = [v["stock"]["available"] for v in variants if v.get("stock") is not None]
    if len(counted) < len(variants):  # some variant is not limited by stock
        return "∞"
    return t(locale, "in_stock", n=sum(counted))


def variant_line(v: dict[str, Any], locale: str) -> str:
    emoji = f"{v['emoji']} " if v.get("emoji") else ""
    if not v["in_stock"]:
        stock = t(locale, "sold_out")
    elif v.get("stock") is not None:
        stock = t(locale, "in_stock", n=v["stock"]["available"])
    else:
        stock = ""
    tail = f" · {stock}" if stock else ""
    return f"{emoji}**{v['label']}** — {v['price_display']}{tail}"


def rating_text(rating: dict[str, Any], locale: str) -> str:
    """⭐ 4,7 · 12 (the decimal comma in pt-BR)."""
    average = f"{float(rating['average']):.1f}"
    if locale != "en":
        average = average.replace(".", ",")
    return t(locale, "rating_value", average=average, count=int(rating["count"]))


def product_embed(product: dict[str, Any], locale: str, platform_url: str = "") -> discord.Embed:
    variants = product["variants"]
    embed = discord.Embed(title=_trim(product["name"], 256),
                          description=_trim(product.get("description") or "", 4000) or None,
                          colour=BRAND if any(v["in_stock"] for v in variants) else RED)
    embed.add_field(name=t(locale, "price"), value=price_text(variants))
    embed.add_field(name=t(locale, "stock"), value=stock_text(variants, locale))
    if rating := product.get("rating"):
        embed.add_field(name=t(locale, "rating"), value=rating_text(rating, locale))
    if len(variants) > 1:
        lines = "\n".join(variant_line(v, locale) for v in variants[:25])
        embed.add_field(name="\u200b", value=_trim(lines, 1024), inline=False)
    image = product.get("image_url") or ""
    if image.startswith("/") and platform_url:
        image = platform_url + image
    if image.startswith(("http://", "https://")):
        embed.set_image(url=image)
    embed.set_footer(text=f"#{product['id']}")
    return embed


def product_view(product: dict[str, Any], locale: str,
                 chosen: int | None = None) -> discord.ui.View:
    """The card's select and buttons; with `chosen`, the buttons carry that variant's id so
    the choice survives a bot restart (it lives in the message, not in the bot's memory)."""
    view = discord.ui.View(timeout=None)
    variants = product["variants"]
    pid = int(product["id"])
    if len(variants) > 1:
        options = [discord.SelectOption(
            label=_trim(v["label"], 100), value=str(v["id"]), default=int(v["id"]) == chosen,
            description=_trim(f"{v['price_display']}"
                              + ("" if v["in_stock"] else f" · {t(locale, 'sold_out')}"), 100),
        ) for v in variants[:25]]
        view.add_item(VariantSelect(pid, options=options, placeholder=t(locale, "choose_variant")))
    sold_out = not any(v["in_stock"] for v in variants)
    view.add_item(BuyButton(pid, chosen, label=t(locale, "buy"), disabled=sold_out))
    view.add_item(AddButton(pid, chosen, label=t(locale, "add_to_cart"), disabled=sold_out))
    return view


def card_with_choice(message: discord.Message, pid: int, vid: int) -> discord.ui.View:
    """The same card's components, rebuilt from the message, with the pick marked in the
    select and carried by the buttons."""
    view = discord.ui.View(timeout=None)
    for row in message.components:
        for item in getattr(row, "children", []):
            custom_id = getattr(item, "custom_id", None) or ""
            if isinstance(item, discord.SelectMenu) and custom_id.startswith("vt:var:"):
                options = [discord.SelectOption(
                    label=o.label, value=o.value, description=o.description, emoji=o.emoji,
                    default=o.value == str(vid)) for o in item.options]
                view.add_item(VariantSelect(pid, options=options, placeholder=item.placeholder))
            elif isinstance(item, discord.Button) and custom_id.startswith("vt:buy:"):
                view.add_item(BuyButton(pid, vid, label=item.label or "", disabled=item.disabled))
            elif isinstance(item, discord.Button) and custom_id.startswith("vt:add:"):
                view.add_item(AddButton(pid, vid, label=item.label or "", disabled=item.disabled))
    return view


def picked(message: discord.Message, vid: int) -> tuple[str, str]:
    """("Product · variant", its price line) for the pick, read from the card itself."""
    title = message.embeds[0].title if message.embeds else ""
    for row in message.components:
        for item in getattr(row, "children", []):
            if isinstance(item, discord.SelectMenu):
                for option in item.options:
                    if option.value == str(vid):
                        name = f"{title} · {option.label}" if title else option.label
                        return name, option.description or ""
    return title or f"#{vid}", ""


def choice_view(pid: int, vid: int, locale: str) -> discord.ui.View:
    """Buttons for one chosen variant (sent privately after a pick on a public post)."""
    view = discord.ui.View(timeout=None)
    view.add_item(BuyButton(pid, vid, label=t(locale, "buy")))
    view.add_item(AddButton(pid, vid, label=t(locale, "add_to_cart")))
    return view


def stock_embed(products: list[dict[str, Any]], locale: str) -> discord.Embed:
    embed = discord.Embed(title=t(locale, "stock"), colour=BRAND)
    rows = []
    for product in products:
        rows.append(f"**{product['name']}**")
        for v in product["variants"]:
            stock = v.get("stock")
            count = t(locale, "stock_row", available=stock["available"],
                      reserved=stock["reserved"], sold=stock["sold"]) if stock else "∞"
            rows.append(f"• {v['label']}: {count}")
    embed.description = _trim("\n".join(rows), 4000) if rows else t(locale, "no_products")
    return embed
