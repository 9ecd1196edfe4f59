"""Per-feature word lists for the bot, merged into bot.i18n.STRINGS at import.

Each feature (reviews, affiliates, memberships, ...) adds a module here with
`STRINGS = {"pt-br": {...}, "en": {...}}` and lists it in FEATURES, so features never edit one
shared dict (fewer merge conflicts, one place per feature's words).
"""

from __future__ import annotations

import importlib

FEATURES: list[str] = ["growth", "memberships", "trust", "smm", "payments", "credit", "affiliates"]


def merged() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {"pt-br": {}, "en": {}}
    for name in FEATURES:
        module = importlib.import_module(f"bot.texts.{name}")
        for locale, table in module.STRINGS.items():
            out[locale].update(table)
    return out
