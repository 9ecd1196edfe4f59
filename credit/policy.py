"""A shop's store-credit settings, read in one place from `tenant.settings` (JSON)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_MIN_CENTS = 500
DEFAULT_MAX_CENTS = 100_000
LIMIT_CENTS = 10_000_000  # R$ 100.000,00: nobody tops up more in one PIX here


@dataclass(frozen=True)
class CreditPolicy:
    topup_enabled: bool
    topup_min_cents: int
    topup_max_cents: int
    bonus_percent: int

    def bonus_for(self, amount_cents: int) -> int:
        """Rounded down: a bonus never grows by rounding."""
        return amount_cents * self.bonus_percent // 100


def _int(raw: Any, default: int, low: int, high: int) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return default
    return value if low <= value <= high else default


def credit_policy(tenant: Any) -> CreditPolicy:
    raw = getattr(tenant, "settings", None) or {}
    low = _int(raw.get("credit_topup_min_cents"), DEFAULT_MIN_CENTS, 1, LIMIT_CENTS)
    high = _int(raw.get("credit_topup_max_cents"), DEFAULT_MAX_CENTS, low, LIMIT_CENTS)
    return CreditPolicy(topup_enabled=bool(raw.get("credit_topup_enabled", False)),
                        topup_min_cents=low, topup_max_cents=max(low, high),
                        bonus_percent=_int(raw.get("credit_bonus_percent"), 0, 0, 100))
