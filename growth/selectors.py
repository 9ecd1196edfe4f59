"""Growth's reads: the analytics page's numbers, from raw events (the last RAW_DAYS) and
daily rollups (older), summed per day so both sources read the same way."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Product
from growth.models import CartRecovery, DailyRollup, Event, EventKind
from growth.services.events import rollup_cutoff
from tenants.models import Tenant

PERIODS = (30, 90)
TOP = 5
FUNNEL = (EventKind.STOREFRONT, EventKind.CART_ADD, EventKind.CHECKOUT, EventKind.PAID)
# The funnel's steps say how many: plural labels, not the event kinds' singular ones.
FUNNEL_LABELS = {EventKind.STOREFRONT: _("Storefront views"), EventKind.CART_ADD: _("Cart adds"),
                 EventKind.CHECKOUT: _("Checkouts"), EventKind.PAID: _("Paid orders")}


@dataclass(frozen=True)
class Row:
    """Events of one kind on one day (for one product and coupon)."""

    day: date
    kind: str
    product_id: int
    coupon_code: str
    count: int
    quantity: int
    amount_cents: int


@dataclass
class Step:
    kind: str
    label: str
    count: int
    rate: float | None  # % of the previous step
    width: float  # % of the first step, for the bar


@dataclass
class ProductRow:
    product_id: int
    name: str
    views: int = 0
    adds: int = 0
    orders: int = 0
    units: int = 0
    revenue_cents: int = 0

    @property
    def conversion(self) -> float | None:
        return round(100 * self.orders / self.views, 1) if self.views else None


@dataclass
class Period:
    start: date
    end: date
    revenue_cents: int = 0
    orders: int = 0

    @property
    def average_cents(self) -> int:
        return self.revenue_cents // self.orders if self.orders else 0


@dataclass
class Analytics:
    days: int
    current: Period
    previous: Period
    funnel: list[Step]
    daily: list[dict]  # {"day", "revenue_cents", "orders", "prev_revenue_cents", "prev_orders"}
    products: list[ProductRow]
    top_products: list[ProductRow]
    top_coupons: list[dict]  # {"code", "orders", "revenue_cents"}
    buyers: int
    repeat_buyers: int
    reminders_sent: int
    recovered: int
    recovered_cents: int
    changes: dict[str, float | None] = field(default_factory=dict)


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (timezone.make_aware(datetime.combine(start, datetime.min.time()), tz),
            timezone.make_aware(datetime.combine(end + timedelta(days=1), datetime.min.time()),
                                tz))


def rows(*, tenant: Tenant, start: date, end: date) -> list[Row]:
    """Every event from `start` to `end` (inclusive), per day, kind, product and coupon."""
    since, until = _day_bounds(start, end)
    raw = (Event.objects.for_tenant(tenant).filter(occurred_at__gte=since, occurred_at__lt=until)
           .annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
           .values("day", "kind", "product_id", "coupon_code")
           .annotate(n=Count("id"), qty=Sum("quantity"), cents=Sum("amount_cents")).order_by())
    out = [Row(r["day"], r["kind"], r["product_id"] or 0, r["coupon_code"], r["n"],
               r["qty"] or 0, r["cents"] or 0) for r in raw]
    rolled = DailyRollup.objects.for_tenant(tenant).filter(day__gte=start, day__lte=end)
    out += [Row(r.day, r.kind, r.product_id, r.coupon_code, r.count, r.quantity, r.amount_cents)
            for r in rolled]
    return out


def _change(now: int, before: int) -> float | None:
    return round(100 * (now - before) / before, 1) if before else None


def analytics(*, tenant: Tenant, days: int, today: date | None = None) -> Analytics:
    today = today or timezone.localdate()
    start = today - timedelta(days=days - 1)
    prev_start, prev_end = start - timedelta(days=days), start - timedelta(days=1)
    current_rows = rows(tenant=tenant, start=start, end=today)
    previous_rows = rows(tenant=tenant, start=prev_start, end=prev_end)
    current, previous = _period(current_rows, start, today), _period(previous_rows, prev_start,
                                                                     prev_end)
    products = _products(tenant, current_rows)
    buyers, repeat = _buyers(tenant, start, today)
    recovered = [r for r in current_rows if r.kind == EventKind.RECOVERED]
    return Analytics(
        days=days, current=current, previous=previous, funnel=_funnel(current_rows),
        daily=_daily(current_rows, previous_rows, start, days), products=products,
        top_products=sorted([p for p in products if p.revenue_cents],
                            key=lambda p: (-p.revenue_cents, p.name))[:TOP],
        top_coupons=_coupons(current_rows), buyers=buyers, repeat_buyers=repeat,
        reminders_sent=_reminders(tenant, start, today),
        recovered=sum(r.count for r in recovered),
        recovered_cents=sum(r.amount_cents for r in recovered),
        changes={"revenue": _change(current.revenue_cents, previous.revenue_cents),
                 "orders": _change(current.orders, previous.orders),
                 "average": _change(current.average_cents, previous.average_cents)})


def _period(period_rows: list[Row], start: date, end: date) -> Period:
    paid = [r for r in period_rows if r.kind == EventKind.PAID]
    return Period(start, end, sum(r.amount_cents for r in paid), sum(r.count for r in paid))


def _funnel(period_rows: list[Row]) -> list[Step]:
    counts = {kind: sum(r.count for r in period_rows if r.kind == kind) for kind in FUNNEL}
    first = counts[FUNNEL[0]] or max(counts.values()) or 1
    steps, before = [], None
    for kind in FUNNEL:
        n = counts[kind]
        rate = round(100 * n / before, 1) if before else None
        steps.append(Step(kind, str(FUNNEL_LABELS[kind]), n, rate,
                          round(min(100.0, 100 * n / first), 1)))
        before = n
    return steps


def _daily(current_rows: list[Row], previous_rows: list[Row], start: date,
           days: int) -> list[dict]:
    def per_day(period_rows: list[Row]) -> dict[date, tuple[int, int]]:
        out: dict[date, list[int]] = defaultdict(lambda: [0, 0])
        for r in period_rows:
            if r.kind == EventKind.PAID:
                out[r.day][0] += r.amount_cents
                out[r.day][1] += r.count
        return {d: (v[0], v[1]) for d, v in out.items()}

    now, before = per_day(current_rows), per_day(previous_rows)
    series = []
    for i in range(days):
        day = start + timedelta(days=i)
        then = day - timedelta(days=days)
        series.append({"day": day, "revenue_cents": now.get(day, (0, 0))[0],
                       "orders": now.get(day, (0, 0))[1],
                       "prev_revenue_cents": before.get(then, (0, 0))[0],
                       "prev_orders": before.get(then, (0, 0))[1]})
    return series


def _products(tenant: Tenant, period_rows: list[Row]) -> list[ProductRow]:
    ids = {r.product_id for r in period_rows if r.product_id}
    names = dict(Product.objects.for_tenant(tenant).filter(pk__in=ids)
                 .values_list("pk", "name")) if ids else {}
    table: dict[int, ProductRow] = {}
    for r in period_rows:
        if not r.product_id:
            continue
        row = table.setdefault(r.product_id, ProductRow(
            r.product_id, names.get(r.product_id, f"#{r.product_id}")))
        if r.kind == EventKind.PRODUCT_VIEW:
            row.views += r.count
        elif r.kind == EventKind.CART_ADD:
            row.adds += r.count
        elif r.kind == EventKind.PAID_LINE:
            row.orders += r.count
            row.units += r.quantity
            row.revenue_cents += r.amount_cents
    return sorted(table.values(), key=lambda p: (-p.views, -p.revenue_cents, p.name))


def _coupons(period_rows: list[Row]) -> list[dict]:
    table: dict[str, dict] = {}
    for r in period_rows:
        if r.kind == EventKind.PAID and r.coupon_code:
            row = table.setdefault(r.coupon_code, {"code": r.coupon_code, "orders": 0,
                                                   "revenue_cents": 0})
            row["orders"] += r.count
            row["revenue_cents"] += r.amount_cents
    return sorted(table.values(), key=lambda c: (-c["orders"], -c["revenue_cents"],
                                                 c["code"]))[:TOP]


def _buyers(tenant: Tenant, start: date, end: date) -> tuple[int, int]:
    """Buyers with a paid order in the period, and those with two or more (raw events only:
    a buyer's identity is not kept in rollups, and periods end within RAW_DAYS)."""
    since, until = _day_bounds(start, end)
    since = max(since, rollup_cutoff(timezone.now()))
    per_customer = (Event.objects.for_tenant(tenant)
                    .filter(kind=EventKind.PAID, occurred_at__gte=since, occurred_at__lt=until,
                            customer_id__isnull=False)
                    .values("customer_id").annotate(n=Count("id")).order_by())
    counts = [r["n"] for r in per_customer]
    return len(counts), sum(1 for n in counts if n >= 2)


def _reminders(tenant: Tenant, start: date, end: date) -> int:
    since, until = _day_bounds(start, end)
    return CartRecovery.objects.for_tenant(tenant).filter(
        sent_at__gte=since, sent_at__lt=until).count()
