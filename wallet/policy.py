"""The wallet's plan-dependent numbers, read in one place.

Fee and hold periods come from the tenant's plan (tenants.quotas); an operator can override
them per tenant in `tenant.settings` (a negotiated fee, say).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

DEFAULT_MIN_WITHDRAWAL_CENTS = 1000


@dataclass(frozen=True)
class WalletPolicy:
    fee_percent: Decimal
    hold_days_pix: int
    hold_days_card: int
    min_withdrawal_cents: int

    def hold_days(self, method: str) -> int:
        return self.hold_days_pix if method == "pix" else self.hold_days_card


def wallet_policy(tenant: Any) -> WalletPolicy:
    """Fee and hold periods for a tenant: its plan's, unless `tenant.settings` overrides them."""
    from tenants.quotas import features

    raw = getattr(tenant, "settings", None) or {}
    plan = features(tenant)
    return WalletPolicy(
        fee_percent=_decimal(raw.get("fee_percent"), plan.fee_percent),
        hold_days_pix=_int(raw.get("hold_days_pix"), plan.hold_days_pix),
        hold_days_card=_int(raw.get("hold_days_card"), plan.hold_days_card),
        min_withdrawal_cents=_int(raw.get("min_withdrawal_cents"), DEFAULT_MIN_WITHDRAWAL_CENTS),
    )


def fee_cents(gross_cents: int, fee_percent: Decimal) -> int:
    """The platform fee, rounded half-up to the centavo; the tenant gets gross - fee, so the
    parts always add back up to the gross and no centavo is made or lost by rounding."""
    fee = (Decimal(gross_cents) * Decimal(fee_percent) / 100).quantize(Decimal(1),
                                                                        rounding=ROUND_HALF_UP)
    return int(fee)


def _decimal(value: Any, default: Decimal) -> Decimal:
    try:
        result = Decimal(str(value)) if value is not None else default
    except (InvalidOperation, ValueError):
        return default
    return result if Decimal(0) <= result <= Decimal(100) else default


def _int(value: Any, default: int) -> int:
    try:
        return max(0, int(value)) if value is not None else default
    except (TypeError, ValueError):
        return default
