"""Reads for memberships: tiers, members, MRR and churn per month, the CSV export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from memberships.models import Member, MemberCharge, Tier
from tenants.models import Tenant

S = Member.Status


def tiers_on_sale(*, tenant: Tenant) -> QuerySet[Tier]:
    return Tier.objects.for_tenant(tenant).filter(active=True)


def tiers(*, tenant: Tenant) -> QuerySet[Tier]:
    return Tier.objects.for_tenant(tenant).annotate(
        live=Count("members", filter=~Q(members__status__in=[S.ENDED, S.PENDING])))


def members(*, tenant: Tenant, status: str = "", tier_id: int | None = None,
            q: str = "") -> QuerySet[Member]:
    rows = (Member.objects.for_tenant(tenant).select_related("customer", "tier", "next_tier")
            .exclude(status=S.PENDING))
    if status:
        rows = rows.filter(status=status)
    if tier_id:
        rows = rows.filter(tier_id=tier_id)
    if q:
        rows = rows.filter(Q(customer__display_name__icontains=q)
                           | Q(customer__discord_user_id=q) | Q(kofi_email__iexact=q))
    return rows


def member_counts(*, tenant: Tenant) -> dict[str, int]:
    counts = dict(Member.objects.for_tenant(tenant).values_list("status")
                  .annotate(n=Count("id")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in
            (S.TRIALING, S.ACTIVE, S.PAST_DUE, S.CANCELLED, S.ENDED)}


def _month_start(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Month:
    start: datetime
    mrr_cents: int
    live_at_start: int
    churned: int

    @property
    def churn_percent(self) -> float:
        return round(100 * self.churned / self.live_at_start, 1) if self.live_at_start else 0.0


def _paid_coverage(tenant: Tenant) -> list[tuple[datetime, datetime, int]]:
    """(start, end, monthly cents) of every paid period, from the applied charges: renewals
    and first payments cover a whole period; upgrades move the rest of one to another tier."""
    out = []
    charges = (MemberCharge.objects.for_tenant(tenant).select_related("tier")
               .filter(applied_at__isnull=False, reversed_at__isnull=True,
                       period_end_after__isnull=False).exclude(kind=MemberCharge.Kind.UPGRADE))
    for charge in charges:
        end = charge.period_end_after
        out.append((end - charge.tier.delta(), end, charge.tier.monthly_cents))
    return out


def _mrr_at(coverage: list[tuple[datetime, datetime, int]], moment: datetime) -> int:
    """Monthly cents of the paid periods covering `moment`."""
    return sum(cents for start, end, cents in coverage if start <= moment < end)


def monthly(*, tenant: Tenant, months: int = 12, now: datetime | None = None) -> list[Month]:
    """MRR at each month's end (paid periods covering that moment) and churn (memberships
    that ended in the month over those live when it began), oldest first."""
    now = now or timezone.now()
    coverage = _paid_coverage(tenant)
    rows = list(Member.objects.for_tenant(tenant).exclude(status=S.PENDING)
                .values_list("started_at", "ended_at"))
    out = []
    first = _month_start(now) - relativedelta(months=months - 1)
    for i in range(months):
        start = first + relativedelta(months=i)
        end = min(start + relativedelta(months=1), now)
        mrr = _mrr_at(coverage, end)
        live = sum(1 for began, ended in rows if began < start and (ended is None
                                                                   or ended >= start))
        churned = sum(1 for began, ended in rows if began < start and ended is not None
                      and start <= ended < start + relativedelta(months=1))
        out.append(Month(start=start, mrr_cents=mrr, live_at_start=live, churned=churned))
    return out


def current_mrr_cents(*, tenant: Tenant, now: datetime | None = None) -> int:
    """MRR now, by the chart's own rule (paid periods covering this moment), so the card and
    the current month's bar are one number: manual grants and Ko-fi pay nothing here, a
    cancelled member counts until the period they paid for ends, a past-due one does not."""
    return _mrr_at(_paid_coverage(tenant), now or timezone.now())


CSV_HEADER = ["member_id", "discord_user_id", "name", "tier", "status", "method",
              "period_end", "started_at", "ended_at", "kofi_email"]


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # Spreadsheets run cells starting with these as formulas (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def members_csv(*, tenant: Tenant) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for m in members(tenant=tenant).order_by("id"):
        writer.writerow([_cell(v) for v in (
            m.public_id, m.customer.discord_user_id, m.customer.display_name, m.tier.name,
            m.status, m.method, m.current_period_end.isoformat(), m.started_at.isoformat(),
            m.ended_at.isoformat() if m.ended_at else "", m.kofi_email)])
    return out.getvalue()
