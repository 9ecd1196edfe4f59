"""The funnel's events: recorded at each step, kept raw for RAW_DAYS, then summed per day.

Steps from sales arrive through sales.signals (cart adds, checkouts, payments); storefront and
product views are reported by the bot through the Bot API. A step announced twice (a replayed
webhook) carries a dedupe key and is stored once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from catalog.models import Product
from growth.models import DailyRollup, Event, EventKind
from tenants.models import Tenant

RAW_DAYS = 90  # raw events younger than this; older ones live on as DailyRollup rows
MAX_VIEWED_PRODUCTS = 25  # one /loja shows at most this many cards


def event_record(*, tenant_id: int, kind: str, at: datetime | None = None,
                 dedupe_key: str | None = None, **fields: object) -> None:
    Event.objects.bulk_create(
        [Event(tenant_id=tenant_id, kind=kind, occurred_at=at or timezone.now(),
               dedupe_key=dedupe_key, **fields)],
        ignore_conflicts=dedupe_key is not None)


def views_record(*, tenant: Tenant, product_ids: list[int]) -> int:
    """A /loja (storefront view) and the product cards it showed; ids of other shops or of
    deleted products are dropped. Returns the number of product views recorded."""
    wanted = list(dict.fromkeys(product_ids))[:MAX_VIEWED_PRODUCTS]
    known = list(Product.objects.for_tenant(tenant).filter(pk__in=wanted)
                 .values_list("pk", flat=True)) if wanted else []
    now = timezone.now()
    rows = [Event(tenant=tenant, kind=EventKind.STOREFRONT, occurred_at=now)]
    rows += [Event(tenant=tenant, kind=EventKind.PRODUCT_VIEW, occurred_at=now, product_id=pk)
             for pk in known]
    Event.objects.bulk_create(rows)
    return len(known)


def order_paid_record(order: object) -> None:
    """The paid order and one row per product sold (for conversion and top products)."""
    tenant_id = order.tenant_id
    event_record(tenant_id=tenant_id, kind=EventKind.PAID, dedupe_key=f"paid:{order.pk}",
                 order_id=order.pk, customer_id=order.customer_id,
                 amount_cents=order.total_cents, coupon_code=order.coupon_code)
    for line in order.lines.select_related("variant"):
        product_id = line.variant.product_id if line.variant_id else None
        event_record(tenant_id=tenant_id, kind=EventKind.PAID_LINE,
                     dedupe_key=f"line:{line.pk}", order_id=order.pk, product_id=product_id,
                     customer_id=order.customer_id, quantity=line.quantity,
                     amount_cents=line.line_total_cents)


@transaction.atomic
def events_rollup(*, now: datetime | None = None) -> int:
    """Sum every raw event older than RAW_DAYS into DailyRollup rows and delete them.

    Days are whole: the cutoff is a midnight (in the site's time zone), so a day is never split
    between raw rows and a rollup. Re-running adds nothing (the rows it summed are gone).
    Returns how many raw events were rolled up.
    """
    cutoff = rollup_cutoff(now or timezone.now())
    old = Event.objects.unscoped().filter(occurred_at__lt=cutoff)
    groups = (old.annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
              .values("tenant_id", "day", "kind", "product_id", "coupon_code")
              .annotate(n=Count("id"), qty=Sum("quantity"), cents=Sum("amount_cents"))
              .order_by())
    total = 0
    for g in groups:
        row, _created = DailyRollup.objects.for_tenant(g["tenant_id"]).select_for_update() \
            .get_or_create(tenant_id=g["tenant_id"], day=g["day"], kind=g["kind"],
                           product_id=g["product_id"] or 0, coupon_code=g["coupon_code"])
        row.count += g["n"]
        row.quantity += g["qty"] or 0
        row.amount_cents += g["cents"] or 0
        row.save(update_fields=["count", "quantity", "amount_cents"])
        total += g["n"]
    old.delete()
    return total


def rollup_cutoff(now: datetime) -> datetime:
    """The first moment whose events stay raw: midnight RAW_DAYS days ago."""
    today: date = timezone.localdate(now)
    start = today - timedelta(days=RAW_DAYS)
    return timezone.make_aware(datetime.combine(start, datetime.min.time()))
