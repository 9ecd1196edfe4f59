"""Memberships in Discord: /assinar (tier select -> method -> payment instructions),
/assinatura (status, switch, cancel, pay now), /vincular-kofi. Every answer is ephemeral;
every decision (prices, proration, who may switch) comes from the Bot API."""

from __future__ import annotations

import io
from typing import Any

import discord

from bot.api import PlatformUnavailable
from bot.storefront.base import StoreBase, log, present
from bot.ui import memberships as ui
from bot.ui.text import unix


class Memberships(StoreBase):
    async def _send(self, interaction: discord.Interaction, **kwargs: Any) -> None:
        kwargs = present(kwargs)
        if interaction.response.is_done():
            await interaction.followup.send(ephemeral=True, **kwargs)
        else:
            await interaction.response.send_message(ephemeral=True, **kwargs)

    async def subscribe_start(self, interaction: discord.Interaction) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            state = await self._as_customer(interaction, self.api.membership)
            if state.get("membership"):
                await self._show_member(interaction, state)
                return
            tiers = state.get("tiers") or []
            await self._send(interaction, embed=ui.tiers_embed(tiers, self.locale),
                             view=ui.tiers_view(tiers, self.locale))
        await self._guarded(interaction, work)

    async def membership_methods(self, interaction: discord.Interaction, tier_id: int) -> None:
        async def work() -> None:
            state = await self._as_customer(interaction, self.api.membership)
            tier = next((x for x in state.get("tiers") or [] if x["id"] == tier_id), None)
            if tier is None:
                await self._reply(interaction, self.t("product_gone"))
                return
            await self._send(interaction, content=self.t("ms_method", tier=tier["name"]),
                             view=ui.methods_view(tier_id, self.locale))
        await self._guarded(interaction, work)

    async def membership_subscribe(self, interaction: discord.Interaction, tier_id: int,
                                   method: str) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            async with self._lock(interaction.user.id):
                body = await self._as_customer(
                    interaction, lambda uid: self.api.membership_subscribe(uid, tier_id, method))
            member, payment = body["membership"], body.get("payment")
            card_url = str(body.get("card_url") or "")
            if payment is None and card_url.startswith(("http://", "https://")):
                await self._send(interaction, content=self.t("ms_card_help",
                                                             tier=member["tier"]["name"]),
                                 view=ui.payment_view({"checkout_url": card_url}, self.locale))
                return
            if payment is None:  # a trial: the role is on its way
                await self._send(interaction, content=self.t(
                    "ms_trial_started", tier=member["tier"]["name"],
                    until=unix(member.get("period_end")) or 0))
                return
            await self._send_payment(interaction, member["tier"]["name"], payment)
        await self._guarded(interaction, work)

    async def _send_payment(self, interaction: discord.Interaction, tier_name: str,
                            payment: dict[str, Any], content: str | None = None) -> None:
        qr = None
        if payment.get("qr_image_url"):
            try:
                qr = await self.api.fetch_bytes(payment["qr_image_url"])
            except PlatformUnavailable as exc:  # the copy-paste code still works
                log.warning("PIX QR image unavailable: %s", exc.message)
        pix = payment.get("pix_code") or ""
        text = "\n".join(p for p in (content, f"```\n{pix}\n```" if pix else None) if p)
        await self._send(
            interaction, content=text or None,
            embed=ui.payment_embed(tier_name, payment, self.locale, has_qr=qr is not None),
            view=ui.payment_view(payment, self.locale),
            file=discord.File(io.BytesIO(qr), filename="pix.png") if qr else None)

    # -- /assinatura ---------------------------------------------------------------------------
    async def membership_show(self, interaction: discord.Interaction) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            state = await self._as_customer(interaction, self.api.membership)
            if not state.get("membership"):
                tiers = state.get("tiers") or []
                await self._send(interaction, embed=ui.tiers_embed(tiers, self.locale),
                                 view=ui.tiers_view(tiers, self.locale))
                return
            await self._show_member(interaction, state)
        await self._guarded(interaction, work)

    async def _show_member(self, interaction: discord.Interaction, state: dict) -> None:
        member = state["membership"]
        await self._send(interaction, embed=ui.member_embed(member, self.locale),
                         view=ui.member_view(member, state.get("tiers") or [], self.locale))

    async def membership_cancel(self, interaction: discord.Interaction) -> None:
        async def work() -> None:
            body = await self._as_customer(interaction, self.api.membership_cancel)
            member = body["membership"]
            await self._reply(interaction, self.t("ms_cancelled",
                                                  until=unix(member.get("period_end")) or 0))
        await self._guarded(interaction, work)

    async def membership_switch(self, interaction: discord.Interaction, tier_id: int) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            async with self._lock(interaction.user.id):
                body = await self._as_customer(
                    interaction, lambda uid: self.api.membership_switch(uid, tier_id))
            member, applied = body["membership"], body["applied"]
            if applied == "pending_payment" and body.get("payment"):
                payment = body["payment"]
                target = next((x for x in (await self.api.membership(interaction.user.id))
                               .get("tiers", []) if x["id"] == tier_id), {"name": "?"})
                await self._send_payment(interaction, target["name"], payment,
                                         content=self.t("ms_switch_pay", tier=target["name"],
                                                        amount=ui._amount(payment)))
            elif applied == "at_period_end":
                await self._send(interaction, content=self.t(
                    "ms_switch_later", tier=(member.get("next_tier") or {}).get("name", ""),
                    until=unix(member.get("period_end")) or 0))
            else:
                await self._send(interaction, content=self.t("ms_switch_now",
                                                             tier=member["tier"]["name"]))
        await self._guarded(interaction, work)

    async def membership_pay(self, interaction: discord.Interaction) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            async with self._lock(interaction.user.id):
                body = await self._as_customer(interaction, self.api.membership_pay)
                state = await self.api.membership(interaction.user.id)
            tier = (state.get("membership") or {}).get("tier") or {"name": ""}
            await self._send_payment(interaction, tier["name"], body["payment"])
        await self._guarded(interaction, work)

    async def kofi_link(self, interaction: discord.Interaction, email: str,
                        code: str | None) -> None:
        async def work() -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            body = await self._as_customer(
                interaction, lambda uid: self.api.kofi_link(uid, email, code))
            if body["status"] == "linked":
                await self._send(interaction, content=self.t("kofi_linked", n=body["applied"]))
            else:
                await self._send(interaction, content=self.t("kofi_code_sent", email=email))
        await self._guarded(interaction, work)
