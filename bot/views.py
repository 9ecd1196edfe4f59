"""Embeds, views and persistent components.

Every button and select is a `discord.ui.DynamicItem` whose custom_id carries the ids it needs
(`vt:buy:<product>[:<variant picked>]`, `vt:qty:<variant>:<quantity>`,
`vt:checkout:<total the buyer saw>`), so messages keep working after the bot restarts: the
callbacks only hand over to the storefront (`client.store`, bot/commands.py), which asks the
platform.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import discord

from bot.i18n import t

BRAND = discord.Colour(0x5865F2)
GREEN = discord.Colour(0x2ECC71)
RED = discord.Colour(0xE74C3C)
MAX_CART_ROWS = 4  # a message has 5 rows: 4 for lines, 1 for coupon + checkout
TIMES, MINUS, DASH = "\u00d7", "\u2212", "\u2013"
LESS, MORE = "\u2796", "\u2795"  # heavy minus / plus emoji
PENDING, DELIVERING, FINAL = "pending", "delivering", "final"
OUTCOMES = {  # order status -> (text key, colour name) once the order left pending_payment
    "paid": ("delivering", "brand"),
    "delivering": ("delivering", "brand"),
    "delivered": ("delivered", "green"),
    "partially_delivered": ("partially_delivered", "red"),
    "delivery_failed": ("delivery_failed", "red"),
    "expired": ("expired", "red"),
    "refunded": ("refunded", "red"),
}


def order_stage(status: str) -> str:
    """pending (awaiting payment), delivering (paid, not settled yet) or final."""
    if status == "pending_payment":
        return PENDING
    if status in ("paid", "delivering"):
        return DELIVERING
    return FINAL


def brl(cents: int) -> str:
    """19990 → "R$ 199,90" (the platform sends displays for prices; lines need this)."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(int(cents)), 100)
    return f"{sign}R$ {units:,}".replace(",", ".") + f",{rest:02d}"


def _trim(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _unix(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


# -- storefront --------------------------------------------------------------------------------
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


def product_embed(product: dict[str, Any], locale: str, platform_url: str = "") -> discord.Embed:
    variants = product["variants"]
    embed = discord.Embed(title=_trim(product["name"], 256),
                          description=_trim(product.get("description") or "", 4000) or None,
                          colour=BRAND if any(v["in_stock"] for v in variants) else RED)
    embed.add_field(name=t(locale, "price"), value=price_text(variants))
    embed.add_field(name=t(locale, "stock"), value=stock_text(variants, locale))
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


# -- cart --------------------------------------------------------------------------------------
def _line_name(line: dict[str, Any]) -> str:
    return f"{line['product_name']} · {line['variant_label']}"


def cart_embed(cart: dict[str, Any], locale: str) -> discord.Embed:
    embed = discord.Embed(title=t(locale, "cart"), colour=BRAND)
    lines = cart.get("lines") or []
    if not lines:
        embed.description = t(locale, "cart_empty")
        return embed
    rows = [f"{ln['quantity']}{TIMES} {_line_name(ln)} — {brl(ln['total_cents'])}" for ln in lines]
    if len(lines) > MAX_CART_ROWS:
        rows.append(t(locale, "more_lines", n=len(lines) - MAX_CART_ROWS))
    embed.description = _trim("\n".join(rows), 4000)
    if cart.get("discount_cents"):
        embed.add_field(name=t(locale, "subtotal"), value=brl(cart["subtotal_cents"]))
        embed.add_field(name=t(locale, "discount"), value=f"{MINUS}{brl(cart['discount_cents'])}")
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
    view.add_item(CheckoutButton(int(cart["total_cents"]), label=t(locale, "checkout"), row=last))
    return view


# -- checkout ----------------------------------------------------------------------------------
def checkout_embed(order: dict[str, Any], payment: dict[str, Any] | None, locale: str,
                   has_qr: bool) -> discord.Embed:
    embed = discord.Embed(title=t(locale, "order", code=order["code"]), colour=BRAND)
    rows = [f"{ln['quantity']}{TIMES} {ln['product_name']} · {ln['variant_label']}"
            for ln in order.get("lines") or []]
    embed.description = _trim("\n".join([*rows, "", t(locale, "pix_help")]), 4000)
    embed.add_field(name=t(locale, "total"), value=f"**{order['total_display']}**")
    expires = _unix((payment or {}).get("expires_at") or order.get("payment_expires_at"))
    if expires:
        embed.add_field(name=t(locale, "expires"), value=f"<t:{expires}:R> (<t:{expires}:t>)")
    if has_qr:
        embed.set_image(url="attachment://pix.png")
    return embed


def checkout_view(payment: dict[str, Any] | None, locale: str) -> discord.ui.View | None:
    url = (payment or {}).get("checkout_url") or ""
    if not url.startswith(("http://", "https://")):
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label=t(locale, "pay_card"), url=url))
    return view


def outcome_embed(order: dict[str, Any], locale: str) -> discord.Embed:
    status = order["status"]
    key, colour_name = OUTCOMES.get(status, ("failed", "red"))
    text = t(locale, key)
    colour = {"brand": BRAND, "green": GREEN}.get(colour_name, RED)
    embed = discord.Embed(title=t(locale, "order", code=order["code"]), description=text,
                          colour=colour)
    embed.add_field(name=t(locale, "status"), value=order.get("status_display") or status)
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


RESENDABLE = {"delivered", "partially_delivered", "delivery_failed"}
MAX_RESEND_BUTTONS = 25


def orders_view(orders: list[dict[str, Any]], locale: str) -> discord.ui.View | None:
    """A "Reenviar para DM" button per delivered order listed in the embed."""
    codes = [o["code"] for o in orders[:15] if o.get("status") in RESENDABLE]
    if not codes:
        return None
    view = discord.ui.View(timeout=None)
    for code in codes[:MAX_RESEND_BUTTONS]:
        view.add_item(ResendButton(code, label=f"{t(locale, 'resend')} · {code}"))
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


# -- persistent components ---------------------------------------------------------------------
class VariantSelect(discord.ui.DynamicItem[discord.ui.Select], template=r"vt:var:(?P<pid>\d+)"):
    def __init__(self, pid: int, *, options: list[discord.SelectOption] | None = None,
                 placeholder: str | None = None) -> None:
        super().__init__(discord.ui.Select(
            custom_id=f"vt:var:{pid}", placeholder=placeholder,
            options=options or [discord.SelectOption(label="-", value="0")]))
        self.pid = pid

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item,
                             match: Any) -> VariantSelect:
        return cls(int(match["pid"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        values = (interaction.data or {}).get("values") or []
        await interaction.client.store.choose_variant(interaction, self.pid, values)


def _variant_suffix(vid: int | None) -> str:
    return f":{vid}" if vid else ""


class BuyButton(discord.ui.DynamicItem[discord.ui.Button],
                template=r"vt:buy:(?P<pid>\d+)(?::(?P<vid>\d+))?"):
    def __init__(self, pid: int, vid: int | None = None, *, label: str = "Comprar",
                 disabled: bool = False) -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.success,
                                           custom_id=f"vt:buy:{pid}{_variant_suffix(vid)}",
                                           disabled=disabled))
        self.pid, self.vid = pid, vid

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item,
                             match: Any) -> BuyButton:
        return cls(int(match["pid"]), int(match["vid"]) if match["vid"] else None)

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.store.buy(interaction, self.pid, self.vid)


class AddButton(discord.ui.DynamicItem[discord.ui.Button],
                template=r"vt:add:(?P<pid>\d+)(?::(?P<vid>\d+))?"):
    def __init__(self, pid: int, vid: int | None = None, *,
                 label: str = "Adicionar ao carrinho", disabled: bool = False) -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary,
                                           custom_id=f"vt:add:{pid}{_variant_suffix(vid)}",
                                           disabled=disabled))
        self.pid, self.vid = pid, vid

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item,
                             match: Any) -> AddButton:
        return cls(int(match["pid"]), int(match["vid"]) if match["vid"] else None)

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.store.add_to_cart(interaction, self.pid, self.vid)


class QuantityButton(discord.ui.DynamicItem[discord.ui.Button],
                     template=r"vt:qty:(?P<vid>\d+):(?P<qty>\d+)"):
    """Sets a line to an absolute quantity (0 removes it): a double click changes nothing."""

    def __init__(self, vid: int, qty: int, *, label: str = "·", row: int | None = None,
                 disabled: bool = False,
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary) -> None:
        super().__init__(discord.ui.Button(label=label, style=style, row=row, disabled=disabled,
                                           custom_id=f"vt:qty:{vid}:{max(qty, 0)}"))
        self.vid, self.qty = vid, max(qty, 0)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item,
                             match: Any) -> QuantityButton:
        return cls(int(match["vid"]), int(match["qty"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.store.set_quantity(interaction, self.vid, self.qty)


class CouponButton(discord.ui.DynamicItem[discord.ui.Button], template=r"vt:coupon"):
    def __init__(self, *, label: str = "Aplicar cupom", row: int | None = None) -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary,
                                           custom_id="vt:coupon", row=row))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item,
                             match: Any) -> CouponButton:
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.store.open_coupon(interaction)


class CheckoutButton(discord.ui.DynamicItem[discord.ui.Button],
                     template=r"vt:checkout:(?P<total>\d+)"):
    def __init__(self, total_cents: int, *, label: str = "Finalizar compra",
                 row: int | None = None) -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.success,
                                           custom_id=f"vt:checkout:{total_cents}", row=row))
        self.total_cents = total_cents

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item,
                             match: Any) -> CheckoutButton:
        return cls(int(match["total"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.store.checkout(interaction, self.total_cents)


class ResendButton(discord.ui.DynamicItem[discord.ui.Button],
                   template=r"vt:resend:(?P<code>[A-Za-z0-9]{1,20})"):
    """/meuspedidos: send a delivered order's items to the buyer's DM again."""

    def __init__(self, code: str, *, label: str = "Reenviar para DM") -> None:
        super().__init__(discord.ui.Button(label=label[:80], style=discord.ButtonStyle.secondary,
                                           custom_id=f"vt:resend:{code}"))
        self.code = code

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item,
                             match: Any) -> ResendButton:
        return cls(match["code"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.store.resend(interaction, self.code)


DYNAMIC_ITEMS = (VariantSelect, BuyButton, AddButton, QuantityButton, CouponButton,
                 CheckoutButton, ResendButton)


class CouponModal(discord.ui.Modal):
    def __init__(self, locale: str) -> None:
        super().__init__(title=t(locale, "apply_coupon"), custom_id="vt:coupon-modal",
                         timeout=600)
        self.code = discord.ui.TextInput(label=t(locale, "coupon_code"), custom_id="code",
                                         min_length=1, max_length=40)
        self.add_item(self.code)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.client.store.apply_coupon(interaction, self.code.value.strip())
