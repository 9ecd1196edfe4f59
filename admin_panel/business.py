"""Business figures for operators: money, recurring revenue, conversion, daily series.

Cross-tenant on purpose (`.unscoped()` says so); every figure is one aggregate query.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from sales.models import Cart, Order
from tenants.models import PlanVersion, Subscription, SubscriptionEvent, Tenant
from wallet.selectors import platform_totals

LIVE = [Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE]


def monthly_cents(version: PlanVersion) -> Decimal:
    """A plan's price per month, whatever its billing interval."""
    count = max(version.interval_count, 1)
    if version.interval == PlanVersion.Interval.DAY:
        return Decimal(version.price_cents) * 30 / count
    return Decimal(version.price_cents) / count


def mrr_cents() -> int:
    live = (Subscription.objects.unscoped().filter(status__in=LIVE)
            .exclude(plan_version__plan__is_trial=True).select_related("plan_version"))
    return int(sum((monthly_cents(sub.plan_version) for sub in live), Decimal(0)))


def trial_conversion() -> tuple[int, int]:
    """(converted, trials): subscriptions that left the trial for a paid plan, of all tenants."""
    subs = Subscription.objects.unscoped()
    converted = subs.exclude(plan_version__plan__is_trial=True).count()
    return converted, subs.count()


def cart_conversion(since: date) -> tuple[int, int]:
    carts = Cart.objects.unscoped().filter(created_at__date__gte=since).count()
    orders = Order.objects.unscoped().filter(created_at__date__gte=since).count()
    return orders, carts


def daily_series(days: int) -> dict[str, list]:
    """GMV (paid orders' totals), paid orders and new tenants per day, oldest first."""
    since = timezone.localdate() - timedelta(days=days - 1)
    paid = (Order.objects.unscoped().filter(paid_at__date__gte=since)
            .annotate(day=TruncDate("paid_at")).values("day")
            .annotate(total=Sum("total_cents"), n=Count("id")))
    gmv = {row["day"]: row["total"] for row in paid}
    orders = {row["day"]: row["n"] for row in paid}
    tenants = dict(Tenant.objects.filter(created_at__date__gte=since)
                   .annotate(day=TruncDate("created_at")).values("day")
                   .annotate(n=Count("id")).values_list("day", "n"))
    labels = [since + timedelta(days=i) for i in range(days)]
    return {
        "labels": [d.strftime("%d/%m") for d in labels],
        "gmv_cents": [gmv.get(d) or 0 for d in labels],
        "orders": [orders.get(d, 0) for d in labels],
        "tenants": [tenants.get(d, 0) for d in labels],
    }


def churn_by_month(months: int = 6) -> list[tuple[str, int]]:
    """Shops lost per month: subscriptions that became suspended or canceled (first time)."""
    start = timezone.localdate().replace(day=1)
    for _ in range(months - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    lost = dict(SubscriptionEvent.objects.unscoped()
                .filter(to_status__in=[Subscription.Status.SUSPENDED,
                                       Subscription.Status.CANCELED],
                        created_at__date__gte=start)
                .annotate(month=TruncMonth("created_at")).values("month")
                .annotate(n=Count("subscription", distinct=True)).values_list("month", "n"))
    by_month = {month.date() if hasattr(month, "date") else month: n
                for month, n in lost.items()}
    rows, month = [], start
    for _ in range(months):
        rows.append((month.strftime("%m/%Y"), by_month.get(month, 0)))
        month = (month + timedelta(days=32)).replace(day=1)
    return rows


def business_summary(days: int) -> dict:
    money = platform_totals()
    converted, trials = trial_conversion()
    orders, carts = cart_conversion(timezone.localdate() - timedelta(days=days - 1))
    return {
        "gmv_cents": money["clearing"],
        "fees_cents": money["fees"],
        "payouts_cents": money["payouts"],
        "held_cents": money["held"],
        "mrr_cents": mrr_cents(),
        "active_tenants": Tenant.objects.filter(status=Tenant.Status.ACTIVE).count(),
        "trial_conversion": _percent(converted, trials),
        "cart_conversion": _percent(orders, carts),
        "series": daily_series(days),
        "churn": churn_by_month(),
        "days": days,
    }


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0



