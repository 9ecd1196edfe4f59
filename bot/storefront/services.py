"""Custom fields and SMM services: when a product asks for fields, Comprar / Adicionar open a
modal first and the answers go with the cart line; /meuspedidos adds the buyer's services
with their progress and a refill button where the service allows it.

A mixin over CatalogAndCart: products without fields take the usual path unchanged.
"""

from __future__ import annotations

import time
from typing import Any

import discord

from bot.api import ApiError, PlatformUnavailable
from bot.storefront.catalog import CatalogAndCart
from bot.ui import orders as orders_ui
from bot.ui import services as services_ui

FIELDS_CACHE_SECONDS = 60  # a modal must open within Discord's 3 seconds: no fetch per click


class ServiceOrders(CatalogAndCart):
    fields_cache: dict[int, tuple[list[dict[str, Any]], float]]

    async def _fields(self, pid: int) -> list[dict[str, Any]] | None:
        """The product's custom fields (cached briefly); None when the platform is down (the
        usual path then tells the buyer)."""
        cache = self.__dict__.setdefault("fields_cache", {})
        hit = cache.get(pid)
        if hit and time.monotonic() - hit[1] < FIELDS_CACHE_SECONDS:
            return hit[0]
        try:
            product = await self._product(pid)
        except (ApiError, PlatformUnavailable):
            return None
        fields = list((product or {}).get("fields") or [])
        if len(cache) > 5000:
            cache.clear()
        cache[pid] = (fields, time.monotonic())
        return fields

    async def _ask_fields(self, interaction: discord.Interaction, pid: int,
                          picked: int | None, *, buy: bool) -> bool:
        fields = await self._fields(pid)
        if not fields:
            return False

        async def work() -> None:
            vid = await self._variant(interaction, pid, picked)
            if vid is None:
                return
            await interaction.response.send_modal(services_ui.FieldsModal(
                fields, pid=pid, vid=vid, buy=buy, locale=self.locale))
        await self._guarded(interaction, work)
        return True

    async def add_to_cart(self, interaction: discord.Interaction, pid: int,
                          picked: int | None = None) -> None:
        if not await self._ask_fields(interaction, pid, picked, buy=False):
            await super().add_to_cart(interaction, pid, picked)

    async def buy(self, interaction: discord.Interaction, pid: int,
                  picked: int | None = None) -> None:
        if not await self._ask_fields(interaction, pid, picked, buy=True):
            await super().buy(interaction, pid, picked)

    async def add_with_answers(self, interaction: discord.Interaction, pid: int, vid: int,
                               answers: dict[str, str], *, buy: bool) -> None:
        """The fields modal was sent: the line goes to the cart with its answers (the platform
        refuses bad ones with a message naming the field), then checkout or the cart."""
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            async with self._lock(interaction.user.id):
                try:
                    cart = await self._as_customer(
                        interaction, lambda uid: self.api.cart_add(uid, vid, 1, answers))
                except ApiError as exc:
                    if exc.code == "field_invalid":  # the fields may have changed: ask anew
                        self.__dict__.get("fields_cache", {}).pop(pid, None)
                    raise
                if buy:
                    await self._checkout(interaction, int(cart["total_cents"]))
                    return
                thread = await self._cart_thread(interaction)
            await self._show_added(interaction, cart, vid, thread)
        await self._guarded(interaction, work)

    # -- /meuspedidos ----------------------------------------------------------------------------
    async def show_orders(self, interaction: discord.Interaction) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            orders = (await self._as_customer(interaction, self.api.orders))["orders"]
            services = (await self._as_customer(interaction, self.api.services))["services"]
            embeds = [orders_ui.orders_embed(orders, self.locale)]
            if services:
                embeds.append(services_ui.services_embed(services, self.locale))
            view = orders_ui.orders_view(orders, self.locale)
            refills = services_ui.refill_buttons(services, self.locale)
            if refills:
                view = view or discord.ui.View(timeout=None)
                for button in refills[:25 - len(view.children)]:
                    view.add_item(button)
            await interaction.followup.send(embeds=embeds, view=view or discord.utils.MISSING,
                                            ephemeral=True)
        await self._guarded(interaction, work)

    async def refill(self, interaction: discord.Interaction, sid: int) -> None:
        """"Pedir reposição": the platform checks the order is this buyer's and allowed."""
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            async with self._lock(interaction.user.id):
                body = await self._as_customer(
                    interaction, lambda uid: self.api.service_refill(uid, sid))
            await interaction.followup.send(body["message"], ephemeral=True)
        await self._guarded(interaction, work)
