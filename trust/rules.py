"""The risk rules' arithmetic, kept pure (no database) so each rule is tested on its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DISCORD_EPOCH_MS = 1_420_070_400_000  # 2015-01-01T00:00:00Z, the epoch of Discord snowflakes


def account_created_at(discord_user_id: str) -> datetime | None:
    """When a Discord account was created: the top 42 bits of its snowflake are milliseconds
    since Discord's epoch. None for an id that is not a snowflake."""
    if not (discord_user_id.isascii() and discord_user_id.isdigit()):
        return None
    ms = (int(discord_user_id) >> 22) + DISCORD_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def account_old_enough_at(discord_user_id: str, min_days: int) -> datetime | None:
    """When the account reaches `min_days` of age (None: unknown id, treated as too new)."""
    created = account_created_at(discord_user_id)
    return created + timedelta(days=min_days) if created else None


@dataclass(frozen=True)
class Window:
    orders: int  # orders the buyer placed in the window, not counting this one
    amount_cents: int  # their total, not counting this one


def over_cap(window: Window, *, total_cents: int, max_orders: int | None,
             max_amount_cents: int | None) -> str | None:
    """Which cap this checkout would pass ("orders" / "amount"), or None. A cap is the most
    allowed: with max 3 orders, the 3rd passes and the 4th is refused."""
    if max_orders is not None and window.orders + 1 > max_orders:
        return "orders"
    if max_amount_cents is not None and window.amount_cents + total_cents > max_amount_cents:
        return "amount"
    return None


def first_purchase_needs_review(*, is_first: bool, total_cents: int,
                                threshold_cents: int | None) -> bool:
    """A first purchase strictly above the threshold waits for a person."""
    return threshold_cents is not None and is_first and total_cents > threshold_cents
