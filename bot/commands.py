"""Slash commands and what buttons do: show, collect, ask the platform (DESIGN.md rule 1).

`Storefront` holds no business state: prices, stock, carts, coupons and orders live behind the
Bot API. It keeps only UI state (which variant a buyer picked in a select, the checkout
messages it is watching, each buyer's cart thread), a lock per buyer so double clicks run one
after the other, and a token bucket per buyer so a spammer is slowed down before the platform
is asked.

In a server text channel the cart and the checkout go to a private thread per buyer
("🛒 Carrinho · name", the platform remembers its id); where threads cannot be used (DMs, no
permission) they stay in ephemeral messages, without the buyer noticing the difference.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import math
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import discord
from discord import app_commands

from bot import views
from bot.api import ApiError, BotAPI, PlatformUnavailable
from bot.i18n import normalize, t
from bot.ratelimit import UserBuckets

log = logging.getLogger("bot.store")

MAX_LISTED = 10
WATCH_LIMIT_SECONDS = 14 * 60  # interaction tokens (editing an ephemeral message) last 15 min
THREAD_WATCH_SECONDS = 60 * 60  # a thread message can be edited any time; stop polling at last
PENDING = "pending_payment"
THROTTLED = (discord.InteractionType.component, discord.InteractionType.modal_submit)
THREADLESS_SECONDS = 600  # after a 403, don't try threads in that channel for a while
GUILD_CACHE_SECONDS = 300  # how long the linked guild (settings/) is trusted


def _present(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Drop unset message parts: discord.py wants them absent, not None, in followups."""
    return {k: v for k, v in kwargs.items() if v is not None}


class Storefront:
    def __init__(self, api: BotAPI, *, locale: str = "", poll_seconds: float = 3.0,
                 rate: UserBuckets | None = None, cart_threads: bool = True) -> None:
        self.api = api
        self.rate = rate if rate is not None else UserBuckets()  # empty buckets are falsy
        self.cart_threads = cart_threads
        self.threads: dict[int, int] = {}  # buyer -> cart thread id (the platform's copy)
        self.threadless: dict[int, float] = {}  # channel -> monotonic time to try again
        self.guild_id: tuple[str, float] | None = None  # linked guild, when it was asked
        self.forced_locale = normalize(locale) if locale else ""
        self.shop_locale = ""
        self.poll_seconds = poll_seconds
        self.choices: dict[tuple[int, int], int] = {}
        self.known: set[int] = set()
        self.locks: dict[int, asyncio.Lock] = {}
        self.watchers: set[asyncio.Task] = set()

    @property
    def locale(self) -> str:
        return self.forced_locale or self.shop_locale or "pt-br"

    def t(self, key: str, **kwargs: object) -> str:
        return t(self.locale, key, **kwargs)

    async def close(self) -> None:
        for task in list(self.watchers):
            task.cancel()
        for task in list(self.watchers):
            with contextlib.suppress(BaseException):
                await task
        await self.api.close()

    # -- plumbing ------------------------------------------------------------------------------
    def _lock(self, user_id: int) -> asyncio.Lock:
        if len(self.locks) > 10_000:  # forget idle buyers
            self.locks = {k: v for k, v in self.locks.items() if v.locked()}
        return self.locks.setdefault(user_id, asyncio.Lock())

    async def _reply(self, interaction: discord.Interaction, text: str) -> None:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)

    async def _slowed_down(self, interaction: discord.Interaction) -> bool:
        """Spend one of the buyer's actions; when none is left, say when to try again."""
        if interaction.type not in THROTTLED:
            return False
        wait = self.rate.take(interaction.user.id)
        if not wait:
            return False
        with contextlib.suppress(discord.HTTPException):
            await self._reply(interaction, self.t("slow_down", n=max(1, math.ceil(wait))))
        return True

    async def _guarded(self, interaction: discord.Interaction,
                       work: Callable[[], Awaitable[None]]) -> None:
        """Run `work` unless the buyer is going too fast; API errors are shown to the buyer
        as they come, ephemeral."""
        if await self._slowed_down(interaction):
            return
        try:
            await work()
        except PlatformUnavailable as exc:
            log.warning("platform unavailable: %s", exc.message)
            await self._reply(interaction, self.t("unavailable"))
        except ApiError as exc:
            await self._reply(interaction, exc.message)
        except discord.HTTPException as exc:
            log.warning("Discord refused an answer: %s", exc)

    async def _upsert(self, user: discord.abc.User) -> None:
        body = await self.api.customer_upsert(user.id, user.display_name)
        if self.known and len(self.known) > 50_000:
            self.known.clear()
            self.threads.clear()
        self.known.add(user.id)
        thread_id = str(body.get("cart_thread_id") or "")
        if thread_id.isdigit():
            self.threads[user.id] = int(thread_id)
        else:
            self.threads.pop(user.id, None)

    async def _as_customer(self, interaction: discord.Interaction,
                           call: Callable[[int], Awaitable[dict]]) -> dict[str, Any]:
        user = interaction.user
        if user.id not in self.known:
            await self._upsert(user)
        try:
            return await call(user.id)
        except ApiError as exc:
            if exc.code != "customer_not_found":
                raise
            await self._upsert(user)
            return await call(user.id)

    async def catalog(self) -> dict[str, Any]:
        catalog = await self.api.catalog()
        self.shop_locale = normalize(catalog.get("locale"))
        return catalog

    async def _product(self, pid: int) -> dict[str, Any] | None:
        catalog = await self.catalog()
        return next((p for p in catalog["products"] if int(p["id"]) == pid), None)

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
                    embed=views.product_embed(product, self.locale, self.api.platform_url),
                    view=views.product_view(product, self.locale), ephemeral=True)
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
                    view=views.card_with_choice(message, pid, vid))
                return
            item, price = views.picked(message, vid)
            await interaction.response.send_message(
                self.t("variant_chosen", item=item, price=price),
                view=views.choice_view(pid, vid, self.locale), ephemeral=True)
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
            line = next((ln for ln in cart["lines"] if int(ln["variant_id"]) == vid), None)
            item = f"{line['product_name']} · {line['variant_label']}" if line else f"#{vid}"

            def message(in_thread: bool) -> dict[str, Any]:
                return {"content": None if in_thread else self.t("added", item=item),
                        "embed": views.cart_embed(cart, self.locale),
                        "view": views.cart_view(cart, self.locale)}

            await self._show(interaction, thread, message,
                             pointer=lambda th: self.t("added_thread", item=item,
                                                       thread=th.mention))
        await self._guarded(interaction, work)

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
                "embed": views.cart_embed(cart, self.locale),
                "view": views.cart_view(cart, self.locale)},
                pointer=lambda th: self.t("see_thread", thread=th.mention))
        await self._guarded(interaction, work)

    async def _update_cart_message(self, interaction: discord.Interaction,
                                   cart: dict[str, Any]) -> None:
        await interaction.edit_original_response(embed=views.cart_embed(cart, self.locale),
                                                 view=views.cart_view(cart, self.locale))

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
        await interaction.response.send_modal(views.CouponModal(self.locale))

    async def apply_coupon(self, interaction: discord.Interaction, code: str) -> None:
        async def work() -> None:
            await interaction.response.defer()
            async with self._lock(interaction.user.id):
                cart = await self._as_customer(
                    interaction, lambda uid: self.api.coupon_apply(uid, code))
            if interaction.message is not None:
                await self._update_cart_message(interaction, cart)
            else:
                await interaction.followup.send(embed=views.cart_embed(cart, self.locale),
                                                ephemeral=True)
        await self._guarded(interaction, work)

    # -- cart thread ---------------------------------------------------------------------------
    async def _cart_thread(self, interaction: discord.Interaction) -> discord.Thread | None:
        """The buyer's private cart thread: the one they act in, else their stored one while
        it works, else a new one in this text channel. None where threads can't be used (DMs,
        other channel types, no permission): the caller keeps the ephemeral flow."""
        user, channel = interaction.user, interaction.channel
        if not self.cart_threads or interaction.guild is None:
            return None
        if user.id not in self.known:
            await self._upsert(user)
        if isinstance(channel, discord.Thread):
            return channel if self.threads.get(user.id) == channel.id else None
        if not isinstance(channel, discord.TextChannel):
            return None
        if self.threadless.get(channel.id, 0.0) > time.monotonic():
            return None
        return await self._stored_thread(interaction) or \
            await self._open_thread(interaction, channel)

    async def _stored_thread(self, interaction: discord.Interaction) -> discord.Thread | None:
        user, guild = interaction.user, interaction.guild
        thread_id = self.threads.get(user.id)
        if not thread_id or guild is None:
            return None
        thread = guild.get_thread(thread_id)
        if thread is None:  # not in the cache (e.g. after a restart): ask Discord
            thread = await self._fetch_thread(interaction.client, guild.id, thread_id)
            if thread is not None and not (thread.archived or thread.locked):
                try:  # first use since the bot started: the buyer may have left it
                    await thread.add_user(user)
                except discord.HTTPException as exc:
                    log.info("cart thread %s: buyer not added back: %s", thread_id, exc)
                    thread = None
        if thread is None or thread.archived or thread.locked:
            self.threads.pop(user.id, None)
            return None
        return thread

    @staticmethod
    async def _fetch_thread(client: discord.Client, guild_id: int,
                            thread_id: int) -> discord.Thread | None:
        try:
            found = await client.fetch_channel(thread_id)
        except discord.HTTPException as exc:  # 10003 deleted, 50001 no longer visible
            log.info("cart thread %s unusable: %s", thread_id, exc)
            return None
        if isinstance(found, discord.Thread) and found.guild.id == guild_id:
            return found
        return None

    async def _open_thread(self, interaction: discord.Interaction,
                           channel: discord.TextChannel) -> discord.Thread | None:
        user = interaction.user
        name = self.t("thread_name", name=user.display_name)[:100]
        try:
            thread = await channel.create_thread(
                name=name, type=discord.ChannelType.private_thread, invitable=False,
                reason=f"cart of {user.id}")
        except discord.HTTPException as exc:
            if isinstance(exc, discord.Forbidden):  # 50013/50001: no private threads here
                if len(self.threadless) > 10_000:
                    self.threadless.clear()
                self.threadless[channel.id] = time.monotonic() + THREADLESS_SECONDS
            log.info("no cart thread in channel %s: %s", channel.id, exc)
            return None
        try:
            await thread.add_user(user)
        except discord.HTTPException as exc:
            log.info("cart thread %s: buyer not added: %s", thread.id, exc)
            with contextlib.suppress(discord.HTTPException):
                await thread.delete()
            return None
        self.threads[user.id] = thread.id
        try:
            await self.api.customer_thread(user.id, thread.id)
        except ApiError as exc:  # this time still works; next start opens another one
            log.warning("the platform did not record cart thread %s: %s", thread.id, exc.code)
        return thread

    async def _show(self, interaction: discord.Interaction, thread: discord.Thread | None,
                    message: Callable[[bool], dict[str, Any]], *,
                    pointer: Callable[[discord.Thread], str]) -> tuple[Any, bool]:
        """Post a cart or checkout message in the buyer's thread and point them there
        (ephemeral); without a thread, or when it refuses the message, send it ephemeral.
        Returns the message and whether it is in the thread."""
        if thread is not None:
            try:
                sent = await thread.send(**_present(message(True)))
            except discord.HTTPException as exc:
                log.info("cart thread %s refused a message: %s", thread.id, exc)
                self.threads.pop(interaction.user.id, None)
            else:
                if interaction.channel_id == thread.id:  # acted inside it: the post says it
                    with contextlib.suppress(discord.HTTPException):
                        await interaction.delete_original_response()
                else:
                    await interaction.followup.send(pointer(thread), ephemeral=True)
                return sent, True
        sent = await interaction.followup.send(**_present(message(False)), ephemeral=True,
                                               wait=True)
        return sent, False

    # -- checkout ------------------------------------------------------------------------------
    async def checkout(self, interaction: discord.Interaction, expected_total: int) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            async with self._lock(interaction.user.id):
                await self._checkout(interaction, expected_total)
        await self._guarded(interaction, work)

    async def _checkout(self, interaction: discord.Interaction, expected_total: int) -> None:
        """Called under the buyer's lock: one order per double click."""
        try:
            result = await self._as_customer(interaction, lambda uid: self.api.checkout(
                uid, expected_total_cents=expected_total))
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
                "embed": views.checkout_embed(order, payment, self.locale, has_qr=qr is not None),
                "view": views.checkout_view(payment, self.locale),
            }
            if qr is not None:  # a File is read once: a fresh one per attempt
                kwargs["file"] = discord.File(io.BytesIO(qr), filename="pix.png")
            return kwargs

        sent, in_thread = await self._show(
            interaction, thread, message,
            pointer=lambda th: self.t("checkout_thread", code=order["code"], thread=th.mention))
        self._watch(sent, order, payment, in_thread=in_thread)

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
        shown = views.PENDING
        while time.monotonic() < (pay_by if shown == views.PENDING else until):
            await asyncio.sleep(self.poll_seconds)
            try:
                order = await self.api.order(code)
            except ApiError as exc:
                log.info("order %s poll failed: %s", code, exc.code)
                continue
            stage = views.order_stage(order["status"])
            if stage == shown:
                continue
            await self._show_outcome(message, order)
            shown = stage
            if stage == views.FINAL:
                return

    async def _show_outcome(self, message: discord.Message | discord.WebhookMessage,
                            order: dict[str, Any]) -> None:
        try:
            await message.edit(content="", embed=views.outcome_embed(order, self.locale),
                               attachments=[], view=None)
        except discord.HTTPException as exc:
            log.warning("could not update the checkout message of %s: %s", order["code"], exc)

    # -- orders --------------------------------------------------------------------------------
    async def show_orders(self, interaction: discord.Interaction) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            body = await self._as_customer(interaction, self.api.orders)
            await interaction.followup.send(embed=views.orders_embed(body["orders"], self.locale),
                                            view=views.orders_view(body["orders"], self.locale)
                                            or discord.utils.MISSING, ephemeral=True)
        await self._guarded(interaction, work)

    async def resend(self, interaction: discord.Interaction, code: str) -> None:
        """"Reenviar para DM": the platform checks the order is this buyer's."""
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            async with self._lock(interaction.user.id):
                body = await self.api.order_resend(code, interaction.user.id)
            await interaction.followup.send(body["message"], ephemeral=True)
        await self._guarded(interaction, work)

    # -- members -------------------------------------------------------------------------------
    async def member_joined(self, member: discord.Member) -> int | None:
        """A buyer (re)joined: the platform grants again the roles that failed while they were
        away. Returns how many it queued; None for bots, other servers, or errors (logged)."""
        if member.bot:
            return None
        linked = await self._linked_guild()
        if linked and linked != str(member.guild.id):
            return None
        try:
            body = await self.api.member_joined(member.id)
        except ApiError as exc:
            log.warning("member join of %s not reported: %s", member.id, exc.code)
            return None
        requeued = int(body.get("requeued") or 0)
        if requeued:
            log.info("member %s joined: %s role deliveries queued again", member.id, requeued)
        return requeued

    async def _linked_guild(self) -> str:
        """The server the shop is linked to ("" when not linked or unknown)."""
        cached = self.guild_id
        if cached and time.monotonic() - cached[1] < GUILD_CACHE_SECONDS:
            return cached[0]
        try:
            body = await self.api.settings()
        except ApiError as exc:
            log.warning("settings unavailable: %s", exc.code)
            return cached[0] if cached else ""
        self.guild_id = (str(body.get("guild_id") or ""), time.monotonic())
        return self.guild_id[0]

    # -- staff ---------------------------------------------------------------------------------
    def _is_staff(self, interaction: discord.Interaction) -> bool:
        perms = interaction.permissions
        return interaction.guild_id is not None and (perms.manage_guild or perms.administrator)

    def _staff_claim(self, interaction: discord.Interaction) -> dict[str, Any]:
        """Who is asking, for the platform's staff check (sales/api/README.md, trust model)."""
        roles = getattr(interaction.user, "roles", None) or []
        return {"user_id": str(interaction.user.id), "guild_id": str(interaction.guild_id or ""),
                "role_ids": [str(r.id) for r in roles][:250],
                "manage_guild": self._is_staff(interaction)}

    async def _staff_or_refuse(self, interaction: discord.Interaction) -> dict[str, Any] | None:
        """Manage Server, or the shop's staff role (from settings/); else answer and None.
        Called after defer: the settings call may be slower than Discord's 3 seconds."""
        claim = self._staff_claim(interaction)
        if interaction.guild_id is None:
            await self._reply(interaction, self.t("guild_only"))
            return None
        if claim["manage_guild"]:
            return claim
        role = str((await self.api.settings()).get("staff_role_id") or "")
        if role and role in claim["role_ids"]:
            return claim
        await self._reply(interaction, self.t("staff_only_role"))
        return None

    async def stock(self, interaction: discord.Interaction) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            if await self._staff_or_refuse(interaction) is None:
                return
            products = (await self.catalog())["products"]
            await interaction.followup.send(embed=views.stock_embed(products, self.locale),
                                            ephemeral=True)
        await self._guarded(interaction, work)

    async def deliver(self, interaction: discord.Interaction, code: str) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            claim = await self._staff_or_refuse(interaction)
            if claim is None:
                return
            body = await self.api.order_deliver(code.strip().lstrip("#"), claim)
            await interaction.followup.send(body["message"], ephemeral=True)
        await self._guarded(interaction, work)

    async def refund(self, interaction: discord.Interaction, code: str, reason: str) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            claim = await self._staff_or_refuse(interaction)
            if claim is None:
                return
            body = await self.api.order_refund(code.strip().lstrip("#"), claim, reason)
            await interaction.followup.send(body["message"], ephemeral=True)
        await self._guarded(interaction, work)

    async def link(self, interaction: discord.Interaction, key: str) -> None:
        if interaction.guild_id is None:
            await self._reply(interaction, self.t("guild_only"))
            return
        if not self._is_staff(interaction):
            await self._reply(interaction, self.t("staff_only"))
            return

        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            body = await self.api.link(guild_id=interaction.guild_id, key=key.strip())
            self.guild_id = (str(interaction.guild_id), time.monotonic())
            await interaction.followup.send(self.t("linked", shop=body.get("shop", "")),
                                            ephemeral=True)
        await self._guarded(interaction, work)

    async def post(self, interaction: discord.Interaction, product: str,
                   channel: discord.abc.GuildChannel) -> None:
        if not self._is_staff(interaction):
            await self._reply(interaction, self.t("staff_only"))
            return

        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            products = (await self.catalog())["products"]
            wanted = product.strip().lstrip("#").casefold()
            found = next((p for p in products if str(p["id"]) == wanted
                          or p["name"].casefold() == wanted), None)
            if found is None:
                await interaction.followup.send(self.t("product_not_found"), ephemeral=True)
                return
            target = interaction.client.get_channel(channel.id) or \
                await interaction.client.fetch_channel(channel.id)
            message = await target.send(
                embed=views.product_embed(found, self.locale, self.api.platform_url),
                view=views.product_view(found, self.locale))
            await self.api.post_record(int(found["id"]), target.id, message.id)
            await interaction.followup.send(self.t("posted", channel=target.mention),
                                            ephemeral=True)
        await self._guarded(interaction, work)


    # -- product posts -------------------------------------------------------------------------
    async def _channel(self, client: discord.Client, channel_id: int | str) -> Any:
        return client.get_channel(int(channel_id)) or await client.fetch_channel(int(channel_id))

    async def refresh_posts(self, client: discord.Client) -> int:
        """Edit each post whose product changed with the fresh embed; record it (clears the
        platform's needs_refresh). Products no longer for sale lose their buttons."""
        try:
            posts = (await self.api.posts(needs_refresh=True))["posts"]
        except ApiError as exc:
            log.warning("could not list the posts to refresh: %s", exc.code)
            return 0
        done = 0
        for post in posts:
            product = post.get("product")
            try:
                channel = await self._channel(client, post["channel_id"])
                message = channel.get_partial_message(int(post["message_id"]))
                if product is None:
                    await message.edit(view=None)
                else:
                    await message.edit(
                        embed=views.product_embed(product, self.locale, self.api.platform_url),
                        view=views.product_view(product, self.locale))
                await self.api.post_record(int(post["product_id"]), post["channel_id"],
                                           post["message_id"])
                done += 1
            except (discord.HTTPException, ApiError) as exc:
                log.warning("post %s not refreshed: %s", post.get("id"), exc)
        return done

    async def repost(self, interaction: discord.Interaction, product: str) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            if await self._staff_or_refuse(interaction) is None:
                return
            found = self._find((await self.catalog())["products"], product)
            if found is None:
                await interaction.followup.send(self.t("product_not_found"), ephemeral=True)
                return
            old = (found.get("posts") or [None])[0]
            channel_id = (old or {}).get("channel_id") or found.get("channel_id")
            if not channel_id:
                await interaction.followup.send(self.t("not_posted"), ephemeral=True)
                return
            target = await self._channel(interaction.client, channel_id)
            message = await target.send(
                embed=views.product_embed(found, self.locale, self.api.platform_url),
                view=views.product_view(found, self.locale))
            await self.api.post_record(int(found["id"]), target.id, message.id)
            if old and old.get("message_id") and str(old["channel_id"]) == str(target.id):
                with contextlib.suppress(discord.HTTPException):  # the old one may be gone
                    await target.get_partial_message(int(old["message_id"])).delete()
            await interaction.followup.send(self.t("reposted", channel=target.mention),
                                            ephemeral=True)
        await self._guarded(interaction, work)

    @staticmethod
    def _find(products: list[dict[str, Any]], wanted: str) -> dict[str, Any] | None:
        key = wanted.strip().lstrip("#").casefold()
        return next((p for p in products if str(p["id"]) == key
                     or p["name"].casefold() == key), None)


def build_tree(client: discord.Client, store: Storefront) -> app_commands.CommandTree:
    tree = app_commands.CommandTree(client)
    loc = store.locale

    @tree.command(name="loja", description=t(loc, "cmd_loja"))
    async def loja(interaction: discord.Interaction) -> None:
        await store.show_shop(interaction)

    @tree.command(name="carrinho", description=t(loc, "cmd_carrinho"))
    async def carrinho(interaction: discord.Interaction) -> None:
        await store.show_cart(interaction)

    @tree.command(name="meuspedidos", description=t(loc, "cmd_meuspedidos"))
    async def meuspedidos(interaction: discord.Interaction) -> None:
        await store.show_orders(interaction)

    @tree.command(name="vincular", description=t(loc, "cmd_vincular"))
    @app_commands.describe(chave="vtr_...")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def vincular(interaction: discord.Interaction, chave: str) -> None:
        await store.link(interaction, chave)

    @tree.command(name="postar", description=t(loc, "cmd_postar"))
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def postar(interaction: discord.Interaction, produto: str,
                     canal: discord.TextChannel) -> None:
        await store.post(interaction, produto, canal)

    @tree.command(name="repostar", description=t(loc, "cmd_repostar"))
    @app_commands.guild_only()
    async def repostar(interaction: discord.Interaction, produto: str) -> None:
        await store.repost(interaction, produto)

    @tree.command(name="estoque", description=t(loc, "cmd_estoque"))
    @app_commands.guild_only()
    async def estoque(interaction: discord.Interaction) -> None:
        await store.stock(interaction)

    @tree.command(name="entregar", description=t(loc, "cmd_entregar"))
    @app_commands.guild_only()
    async def entregar(interaction: discord.Interaction, pedido: str) -> None:
        await store.deliver(interaction, pedido)

    @tree.command(name="reembolsar", description=t(loc, "cmd_reembolsar"))
    @app_commands.guild_only()
    async def reembolsar(interaction: discord.Interaction, pedido: str,
                         motivo: app_commands.Range[str, 1, 250]) -> None:
        await store.refund(interaction, pedido, motivo)

    return tree
