"""Persistent components: every button and select is a `discord.ui.DynamicItem` whose
custom_id carries the ids it needs, so old messages keep working after a restart. Callbacks
only hand over to the storefront (`client.store`, bot/storefront/), which asks the platform."""

from __future__ import annotations

from typing import Any

import discord

from bot.i18n import t


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
                     template=r"vt:checkout:(?P<total>\d+)(?::(?P<method>pix|card|stripe_card)"
                              r"(?::(?P<currency>BRL|USD|EUR))?)?"):
    """Check out with one payment method (the shop may offer several: one button each), and
    possibly in a chosen currency (the total is then that currency's)."""

    def __init__(self, total_cents: int, *, label: str = "Finalizar compra",
                 row: int | None = None, method: str = "pix", currency: str = "") -> None:
        # "vt:checkout:<total>" (no method) is what carts shown before methods existed carry.
        suffix = "" if method == "pix" and not currency else f":{method}"
        suffix += f":{currency}" if currency else ""
        super().__init__(discord.ui.Button(label=label[:80], style=discord.ButtonStyle.success,
                                           custom_id=f"vt:checkout:{total_cents}{suffix}",
                                           row=row))
        self.total_cents, self.method, self.currency = total_cents, method, currency

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item,
                             match: Any) -> CheckoutButton:
        return cls(int(match["total"]), method=match["method"] or "pix",
                   currency=match["currency"] or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.store.checkout(interaction, self.total_cents, self.method,
                                                currency=self.currency)


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


class SimulateButton(discord.ui.DynamicItem[discord.ui.Button],
                     template=r"vt:simulate:(?P<code>[A-Za-z0-9]{1,20})"):
    """Demo only: the Mercado Pago sandbox approves the order's PIX, as if the buyer paid."""

    def __init__(self, code: str, *, label: str = "Simular pagamento") -> None:
        super().__init__(discord.ui.Button(label=label[:80], style=discord.ButtonStyle.primary,
                                           custom_id=f"vt:simulate:{code}"))
        self.code = code

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item,
                             match: Any) -> SimulateButton:
        return cls(match["code"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.store.simulate_payment(interaction, self.code)


class ReviewStarButton(discord.ui.DynamicItem[discord.ui.Button],
                       template=r"vt:rv:(?P<code>[A-Za-z0-9]{1,12}):(?P<stars>[1-5])"):
    """The review request's stars (a DM the platform sent): opens the comment modal."""

    def __init__(self, code: str, stars: int) -> None:
        super().__init__(discord.ui.Button(label="★" * stars, style=discord.ButtonStyle.secondary,
                                           custom_id=f"vt:rv:{code}:{stars}"))
        self.code, self.stars = code, stars

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item,
                             match: Any) -> ReviewStarButton:
        return cls(match["code"], int(match["stars"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.store.open_review(interaction, self.code, self.stars)


DYNAMIC_ITEMS = (VariantSelect, BuyButton, AddButton, QuantityButton, CouponButton,
                 CheckoutButton, ResendButton, SimulateButton, ReviewStarButton)


class ReviewModal(discord.ui.Modal):
    """Stars chosen by the button; the comment is optional (an empty one keeps none)."""

    def __init__(self, locale: str, code: str, stars: int) -> None:
        title = f"{t(locale, 'review_title', code=code)} · {'★' * stars}"
        super().__init__(title=title[:45], custom_id=f"vt:rvm:{code}:{stars}", timeout=900)
        self.code, self.stars = code, stars
        self.comment = discord.ui.TextInput(
            label=t(locale, "review_comment"), custom_id="comment", required=False,
            max_length=1000, style=discord.TextStyle.paragraph,
            placeholder=t(locale, "review_placeholder"))
        self.add_item(self.comment)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.client.store.submit_review(interaction, self.code, self.stars,
                                                     self.comment.value.strip())


class CouponModal(discord.ui.Modal):
    def __init__(self, locale: str) -> None:
        super().__init__(title=t(locale, "apply_coupon"), custom_id="vt:coupon-modal",
                         timeout=600)
        self.code = discord.ui.TextInput(label=t(locale, "coupon_code"), custom_id="code",
                                         min_length=1, max_length=40)
        self.add_item(self.code)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.client.store.apply_coupon(interaction, self.code.value.strip())
