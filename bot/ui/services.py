"""Custom fields and SMM services in Discord: the modal that asks a product's fields when it
is added to the cart, and the services part of /meuspedidos (progress, refill buttons)."""

from __future__ import annotations

from typing import Any

import discord

from bot.i18n import t
from bot.ui.text import BRAND
from bot.ui.text import trim as _trim

MAX_FIELDS = 5  # a modal holds five text inputs
MAX_ANSWER = 300
MAX_SERVICES = 10


class FieldsModal(discord.ui.Modal):
    """One text input per custom field; the platform checks the answers (their kind and
    pattern) and the bot shows its refusal as is."""

    def __init__(self, fields: list[dict[str, Any]], *, pid: int, vid: int, buy: bool,
                 locale: str) -> None:
        super().__init__(title=t(locale, "fields_title"), custom_id=f"vt:fields:{pid}:{vid}",
                         timeout=600)
        self.pid, self.vid, self.buy = pid, vid, buy
        self.inputs: dict[str, discord.ui.TextInput] = {}
        for field in fields[:MAX_FIELDS]:
            text = discord.ui.TextInput(
                label=_trim(str(field["label"]), 45), custom_id=str(field["key"])[:100],
                required=bool(field.get("required")), max_length=MAX_ANSWER,
                placeholder=_trim(str(field.get("placeholder") or ""), 100) or None)
            self.inputs[str(field["key"])] = text
            self.add_item(text)

    def answers(self) -> dict[str, str]:
        return {key: text.value.strip() for key, text in self.inputs.items()
                if text.value and text.value.strip()}

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.client.store.add_with_answers(interaction, self.pid, self.vid,
                                                        self.answers(), buy=self.buy)


class RefillButton(discord.ui.DynamicItem[discord.ui.Button],
                   template=r"vt:refill:(?P<sid>\d{1,18})"):
    """/meuspedidos: ask the panel to refill a finished service order."""

    def __init__(self, sid: int, *, label: str = "Pedir reposição") -> None:
        super().__init__(discord.ui.Button(label=label[:80], style=discord.ButtonStyle.primary,
                                           custom_id=f"vt:refill:{sid}"))
        self.sid = sid

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item,
                             match: Any) -> RefillButton:
        return cls(int(match["sid"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.store.refill(interaction, self.sid)


def _row(service: dict[str, Any], locale: str) -> str:
    row = t(locale, "service_row", code=service["order_code"], item=service["item"],
            status=service["status_display"], delivered=service["delivered"],
            quantity=service["quantity"], percent=service["progress_percent"])
    extra = []
    if service.get("refund_display"):
        extra.append(t(locale, "service_refunded", amount=service["refund_display"]))
    if service.get("refill_status"):
        extra.append(t(locale, "service_refill_status", status=service["refill_status"]))
    return row + (f" · {' · '.join(extra)}" if extra else "")


def services_embed(services: list[dict[str, Any]], locale: str) -> discord.Embed:
    embed = discord.Embed(title=t(locale, "services_title"), colour=BRAND)
    embed.description = _trim("\n".join(_row(s, locale) for s in services[:MAX_SERVICES]),
                              4000)
    return embed


def refill_buttons(services: list[dict[str, Any]], locale: str) -> list[RefillButton]:
    return [RefillButton(int(s["id"]), label=f"{t(locale, 'service_refill')} · "
                                             f"{s['order_code']}")
            for s in services[:MAX_SERVICES] if s.get("can_refill")]
