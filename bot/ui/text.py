"""Small helpers shared by the UI modules."""

from __future__ import annotations

from datetime import datetime

import discord

BRAND = discord.Colour(0x5865F2)
GREEN = discord.Colour(0x2ECC71)
RED = discord.Colour(0xE74C3C)
TONES = {"brand": BRAND, "success": GREEN, "danger": RED}  # the API's order tone
TIMES, MINUS, DASH = "\u00d7", "\u2212", "\u2013"


def trim(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def unix(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None
