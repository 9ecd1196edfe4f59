"""Checkout and its watcher: order the cart, show the PIX code, QR and card link, then poll
the order and edit the message as its stage moves (the stage comes from the Bot API)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
from datetime import datetime
from typing import Any

import discord

from bot.api import ApiError, PlatformUnavailable
from bot.storefront.base import log
from bot.storefront.threads import CartThreads
from bot.ui import cart as cart_ui
from bot.ui import orders as orders_ui

WATCH_LIMIT_SECONDS = 14 * 60  # interaction tokens (editing an ephemeral message) last 15 min
THREAD_WATCH_SECONDS = 60 * 60  # a thread message can be edited any time; stop polling at last
PENDING, FINAL = "pending", "final"  # the order payload's `stage`


class CheckoutWatcher(CartThreads):
    # -- checkout ------------------------------------------------------------------------------
    async def checkout(self, interaction: discord.Interaction, expected_total: int,
                       method: str = "pix", *, currency: str = "") -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            async with self._lock(interaction.user.id):
                if method == "stripe_card" and not currency \
                        and await self._ask_currency(interaction, method):
                    return
                await self._checkout(interaction, expected_total, method, currency=currency)
        await self._guarded(interaction, work)

    async def _ask_currency(self, interaction: discord.Interaction, method: str) -> bool:
        """When the cart may be paid in several currencies by this method, ask which (the
        answer's buttons check out in it); False when there is nothing to ask."""
        cart = await self._as_customer(interaction, self.api.cart)
        options = cart_ui.currency_options(cart, method)
        if len(options) <= 1:
            return False
        await interaction.followup.send(self.t("pick_currency"), ephemeral=True,
                                        view=cart_ui.currency_view(options, method, self.locale))
        return True

    async def _checkout(self, interaction: discord.Interaction, expected_total: int,
                        method: str = "pix", *, currency: str = "") -> None:
        """Called under the buyer's lock: one order per double click."""
        try:
            result = await self._as_customer(interaction, lambda uid: self.api.checkout(
                uid, expected_total_cents=expected_total, method=method, currency=currency))
        except ApiError as exc:
            code = (exc.details or {}).get("order")
            if exc.code != "payment_unavailable" or not code:
                raise
            # The order was kept; ask for its payment once more before giving up.
            payment = await self.api.order_pay(str(code))
            result = {"order": await self.api.order(str(code)), "payment": payment}
        thread = await self._cart_thread(interaction)
        await self._send_checkout(interaction, result["order"], result.get("payment"), thread)

    async def _send_checkout(self, interaction: discord.Interaction, order: dict[str, Any],
                             payment: dict[str, Any] | None,
                             thread: discord.Thread | None = None) -> None:
        qr = None
        if payment and payment.get("qr_image_url"):
            try:
                qr = await self.api.fetch_bytes(payment["qr_image_url"])
            except PlatformUnavailable as exc:  # the copy-paste code still works
                log.warning("PIX QR image unavailable: %s", exc.message)
        pix = (payment or {}).get("pix_code") or ""

        def message(_in_thread: bool) -> dict[str, Any]:
            kwargs: dict[str, Any] = {
                "content": f"```\n{pix}\n```" if pix else None,
                "embed": orders_ui.checkout_embed(order, payment, self.locale,
                                                  has_qr=qr is not None),
                "view": orders_ui.checkout_view(payment, self.locale, code=order["code"]),
            }
            if qr is not None:  # a File is read once: a fresh one per attempt
                kwargs["file"] = discord.File(io.BytesIO(qr), filename="pix.png")
            return kwargs

        sent, in_thread = await self._show(
            interaction, thread, message,
            pointer=lambda th: self.t("checkout_thread", code=order["code"], thread=th.mention))
        self._watch(sent, order, payment, in_thread=in_thread)

    async def simulate_payment(self, interaction: discord.Interaction, code: str) -> None:
        """Demo only: the platform asks the Mercado Pago sandbox to approve; the order's
        watcher then shows the delivery like after a real PIX."""
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await self.api.order_pay_simulate(code)
            await interaction.followup.send(self.t("simulated"), ephemeral=True)
        await self._guarded(interaction, work)

    def _watch(self, message: discord.Message | discord.WebhookMessage, order: dict[str, Any],
               payment: dict[str, Any] | None, *, in_thread: bool = False) -> None:
        now = time.monotonic()
        # An ephemeral message is edited with the interaction token (15 min); a thread
        # message with the bot's own token, any time.
        until = now + (THREAD_WATCH_SECONDS if in_thread else WATCH_LIMIT_SECONDS)
        pay_by = until
        expires = (payment or {}).get("expires_at") or order.get("payment_expires_at")
        if expires:
            with contextlib.suppress(ValueError):
                left = datetime.fromisoformat(expires.replace("Z", "+00:00")).timestamp() \
                    - time.time()
                pay_by = min(until, now + max(left, 0) + 30)
        task = asyncio.create_task(self._watch_order(message, order["code"], pay_by, until),
                                   name=f"watch-{order['code']}")
        self.watchers.add(task)
        task.add_done_callback(self.watchers.discard)

    async def _watch_order(self, message: discord.Message | discord.WebhookMessage, code: str,
                           pay_by: float, until: float) -> None:
        """Poll the order; edit the checkout message when it is paid ("delivering…") and again
        with the delivery's outcome (or expiry, refund...). Stop there or at the deadline."""
        shown = PENDING
        while time.monotonic() < (pay_by if shown == PENDING else until):
            await asyncio.sleep(self.poll_seconds)
            try:
                order = await self.api.order(code)
            except ApiError as exc:
                log.info("order %s poll failed: %s", code, exc.code)
                continue
            stage = order.get("stage") or FINAL
            if stage == shown:
                continue
            await self._show_outcome(message, order)
            shown = stage
            if stage == FINAL:
                return

    async def _show_outcome(self, message: discord.Message | discord.WebhookMessage,
                            order: dict[str, Any]) -> None:
        try:
            await message.edit(content="", embed=orders_ui.outcome_embed(order, self.locale),
                               attachments=[], view=None)
        except discord.HTTPException as exc:
            log.warning("could not update the checkout message of %s: %s", order["code"], exc)
