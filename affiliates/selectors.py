"""Reads of affiliates: an affiliate's stats (also the portal's per-affiliate row)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from affiliates.models import Affiliate, Commission

S = Commission.Status


@dataclass(frozen=True)
class Stats:
    clicks: int
    sales: int
    owed_cents: int  # pending: paid once the sales' holds are released
    paid_cents: int
    debt_cents: int


def affiliate_stats(*, affiliate: Affiliate) -> Stats:
    sums = Commission.objects.for_tenant(affiliate.tenant_id).filter(
        affiliate=affiliate).aggregate(
        sales=Count("id", filter=Q(status__in=[S.PENDING, S.POSTED])),
        owed=Sum("amount_cents", filter=Q(status=S.PENDING), default=0),
        paid=Sum("amount_cents", filter=Q(status=S.POSTED), default=0))
    return Stats(clicks=affiliate.clicks, sales=sums["sales"], owed_cents=sums["owed"],
                 paid_cents=sums["paid"], debt_cents=affiliate.debt_cents)


@dataclass(frozen=True)
class Row:
    affiliate: Affiliate
    stats: Stats


def affiliates_page(*, tenant, limit: int = 100) -> list[Row]:
    rows = Affiliate.objects.for_tenant(tenant).select_related("customer").order_by(
        "-clicks", "pk")[:limit]
    return [Row(affiliate=a, stats=affiliate_stats(affiliate=a)) for a in rows]


def program_totals(*, tenant) -> dict[str, int]:
    return Commission.objects.for_tenant(tenant).aggregate(
        sales=Count("id", filter=Q(status__in=[S.PENDING, S.POSTED])),
        owed=Sum("amount_cents", filter=Q(status=S.PENDING), default=0),
        paid=Sum("amount_cents", filter=Q(status=S.POSTED), default=0))
