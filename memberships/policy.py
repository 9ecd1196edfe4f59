"""Small pure rules: proration, the dunning schedule, which statuses keep the role."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from memberships.models import Member

S = Member.Status
WITH_ROLE = frozenset({S.TRIALING, S.ACTIVE, S.PAST_DUE, S.CANCELLED})
LIVE = frozenset({S.PENDING, S.TRIALING, S.ACTIVE, S.PAST_DUE, S.CANCELLED})


def prorated_cents(*, old_price: int, new_price: int, start: datetime, end: datetime,
                   now: datetime) -> int:
    """The upgrade's price for the rest of the paid period, to the centavo (half up)."""
    full = (end - start).total_seconds()
    left = max((end - now).total_seconds(), 0.0)
    if full <= 0:
        return 0
    amount = Decimal(new_price - old_price) * Decimal(str(left)) / Decimal(str(full))
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def dunning_at(*, period_end: datetime, grace_days: int, count: int, n: int) -> datetime:
    """When overdue reminder `n` (0-based) goes out: spread evenly over the grace period,
    the first one at the due date itself."""
    if count <= 0:
        return period_end
    return period_end + timedelta(days=grace_days) * n / count
