"""Catalog and cart: /loja, the variant pick, Comprar / Adicionar, /carrinho with its
quantity and coupon buttons, /meuspedidos and its "Reenviar para DM"."""

from __future__ import annotations

from typing import Any

import discord

from bot import growth
from bot.storefront.checkout import CheckoutWatcher
from bot.ui import cart as cart_ui
from bot.ui import catalog as catalog_ui
from bot.ui import orders as orders_ui
from bot.ui.components import CouponModal

MAX_LISTED = 10


class CatalogAndCart(CheckoutWatcher):
    # -- storefront ----------------------------------------------------------------------------
    async def show_shop(self, interaction: discord.Interaction) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            products = (await self.catalog())["products"]
            if not products:
                await interaction.followup.send(self.t("no_products"), ephemeral=True)
                return
            for product in products[:MAX_LISTED]:
                await interaction.followup.send(
                    embed=catalog_ui.product_embed(product, self.locale, self.api.platform_url),
                    view=catalog_ui.product_view(product, self.locale), ephemeral=True)
            growth.views_report_soon(self.api, products[:MAX_LISTED])  # the funnel's first step
        await self._guarded(interaction, work)

    async def choose_variant(self, interaction: discord.Interaction, pid: int,
                             values: list[str]) -> None:
        """Remember the pick, and put it where a restart cannot lose it: a private card's
        buttons are rewritten to carry the variant id; on a public post (shared by every
        buyer) the buyer gets private buttons for their pick. No platform call: the answer
        is built from the message itself, within Discord's 3 seconds."""
        if await self._slowed_down(interaction):
            return
        message = interaction.message
        if not values or not values[0].isdigit() or message is None:
            await interaction.response.defer()
            return
        vid = int(values[0])
        self.choices[(interaction.user.id, pid)] = vid
        if len(self.choices) > 50_000:
            self.choices.clear()

        async def answer() -> None:
            if message.flags.ephemeral:
                await interaction.response.edit_message(
                    view=catalog_ui.card_with_choice(message, pid, vid))
                return
            item, price = catalog_ui.picked(message, vid)
            await interaction.response.send_message(
                self.t("variant_chosen", item=item, price=price),
                view=catalog_ui.choice_view(pid, vid, self.locale), ephemeral=True)
        await self._guarded(interaction, answer)

    async def _variant(self, interaction: discord.Interaction, pid: int,
                       vid: int | None = None) -> int | None:
        if vid is not None:  # carried by the button: the platform checks it is this shop's
            return vid
        chosen = self.choices.get((interaction.user.id, pid))
        if chosen is not None:
            return chosen
        product = await self._product(pid)
        if product is None or not product["variants"]:
            await self._reply(interaction, self.t("product_gone"))
            return None
        if len(product["variants"]) > 1:
            await self._reply(interaction, self.t("pick_variant_first"))
            return None
        return int(product["variants"][0]["id"])

    async def add_to_cart(self, interaction: discord.Interaction, pid: int,
                          picked: int | None = None) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            vid = await self._variant(interaction, pid, picked)
            if vid is None:
                return
            async with self._lock(interaction.user.id):
                cart = await self._as_customer(
                    interaction, lambda uid: self.api.cart_add(uid, vid, 1))
                thread = await self._cart_thread(interaction)
            await self._show_added(interaction, cart, vid, thread)
        await self._guarded(interaction, work)

    async def _show_added(self, interaction: discord.Interaction, cart: dict[str, Any],
                          vid: int, thread: Any) -> None:
        line = next((ln for ln in cart["lines"] if int(ln["variant_id"]) == vid), None)
        item = f"{line['product_name']} · {line['variant_label']}" if line else f"#{vid}"

        def message(in_thread: bool) -> dict[str, Any]:
            return {"content": None if in_thread else self.t("added", item=item),
                    "embed": cart_ui.cart_embed(cart, self.locale),
                    "view": cart_ui.cart_view(cart, self.locale)}

        await self._show(interaction, thread, message,
                         pointer=lambda th: self.t("added_thread", item=item,
                                                   thread=th.mention))

    async def buy(self, interaction: discord.Interaction, pid: int,
                  picked: int | None = None) -> None:
        """Comprar: put the chosen variant in the cart and check the cart out at once."""
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            vid = await self._variant(interaction, pid, picked)
            if vid is None:
                return
            async with self._lock(interaction.user.id):
                cart = await self._as_customer(
                    interaction, lambda uid: self.api.cart_add(uid, vid, 1))
                await self._checkout(interaction, int(cart["total_cents"]))
        await self._guarded(interaction, work)

    # -- cart ----------------------------------------------------------------------------------
    async def show_cart(self, interaction: discord.Interaction) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            cart = await self._as_customer(interaction, self.api.cart)
            thread = None
            if cart.get("lines"):  # an empty cart needs no thread
                async with self._lock(interaction.user.id):
                    thread = await self._cart_thread(interaction)
            await self._show(interaction, thread, lambda _in_thread: {
                "embed": cart_ui.cart_embed(cart, self.locale),
                "view": cart_ui.cart_view(cart, self.locale)},
                pointer=lambda th: self.t("see_thread", thread=th.mention))
        await self._guarded(interaction, work)

    async def _update_cart_message(self, interaction: discord.Interaction,
                                   cart: dict[str, Any]) -> None:
        await interaction.edit_original_response(embed=cart_ui.cart_embed(cart, self.locale),
                                                 view=cart_ui.cart_view(cart, self.locale))

    async def set_quantity(self, interaction: discord.Interaction, vid: int, qty: int) -> None:
        async def work() -> None:
            await interaction.response.defer()
            async with self._lock(interaction.user.id):
                if qty <= 0:
                    cart = await self._as_customer(
                        interaction, lambda uid: self.api.cart_remove(uid, vid))
                else:
                    cart = await self._as_customer(
                        interaction, lambda uid: self.api.cart_set(uid, vid, qty))
            await self._update_cart_message(interaction, cart)
        await self._guarded(interaction, work)

    async def open_coupon(self, interaction: discord.Interaction) -> None:
        if await self._slowed_down(interaction):
            return
        await interaction.response.send_modal(CouponModal(self.locale))

    async def apply_coupon(self, interaction: discord.Interaction, code: str) -> None:
        async def work() -> None:
            await interaction.response.defer()
            async with self._lock(interaction.user.id):
                cart = await self._as_customer(
                    interaction, lambda uid: self.api.coupon_apply(uid, code))
            if interaction.message is not None:
                await self._update_cart_message(interaction, cart)
            else:
                await interaction.followup.send(embed=cart_ui.cart_embed(cart, self.locale),
                                                ephemeral=True)
        await self._guarded(interaction, work)

    # -- orders --------------------------------------------------------------------------------
    async def show_orders(self, interaction: discord.Interaction) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            body = await self._as_customer(interaction, self.api.orders)
            orders = body["orders"]
            await interaction.followup.send(
                embed=orders_ui.orders_embed(orders, self.locale),
                view=orders_ui.orders_view(orders, self.locale) or discord.utils.MISSING,
                ephemeral=True)
        await self._guarded(interaction, work)

    async def resend(self, interaction: discord.Interaction, code: str) -> None:
        """"Reenviar para DM": the platform checks the order is this buyer's."""
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            async with self._lock(interaction.user.id):
                body = await self.api.order_resend(code, interaction.user.id)
            await interaction.followup.send(body["message"], ephemeral=True)
        await self._guarded(interaction, work)
