"""Stock reservation: the one place that moves items between available, reserved and sold.

On PostgreSQL one statement reserves every line of an order: a LATERAL subquery per variant
takes `FOR UPDATE SKIP LOCKED` rows, so concurrent buyers never wait on each other and never get
the same row; the UPDATE then flips exactly those rows. Elsewhere (SQLite, the embedded default,
which serialises writers) a conditional UPDATE per variant does the same.
"""

from __future__ import annotations

from collections import Counter

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from catalog.models import StockItem
from tenants.models import Tenant

_S = StockItem.Status

_RESERVE_SQL = """
UPDATE catalog_stockitem SET status = %s, order_ref = %s, reserved_at = %s
WHERE id IN (
    SELECT picked.id
    FROM unnest(%s::bigint[], %s::int[]) AS wanted(variant_id, qty)
    CROSS JOIN LATERAL (
        SELECT s.id FROM catalog_stockitem s
        WHERE s.tenant_id = %s AND s.variant_id = wanted.variant_id AND s.status = %s
        ORDER BY s.id
        LIMIT wanted.qty
        FOR UPDATE SKIP LOCKED
    ) AS picked
)
RETURNING variant_id
"""


def reserve(*, tenant: Tenant, order_ref: int, wants: dict[int, int]) -> dict[int, int]:
    """Reserve up to `wants[variant_id]` items for the order; return how many each variant got.

    The caller compares the counts with what it asked for and rolls back its transaction on a
    shortfall, which also undoes the partial reservation.
    """
    if not wants:
        return {}
    now = timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_RESERVE_SQL, [_S.RESERVED, order_ref, now, list(wants),
                                          list(wants.values()), tenant.pk, _S.AVAILABLE])
            return dict(Counter(row[0] for row in cursor.fetchall()))
    got: dict[int, int] = {}
    for variant_id, qty in wants.items():
        ids = list(StockItem.objects.for_tenant(tenant).filter(
            variant_id=variant_id, status=_S.AVAILABLE).values_list("pk", flat=True)[:qty])
        got[variant_id] = StockItem.objects.for_tenant(tenant).filter(
            pk__in=ids, status=_S.AVAILABLE).update(status=_S.RESERVED, order_ref=order_ref,
                                                     reserved_at=now)
    return got


def release(*, tenant: Tenant, order_ref: int) -> int:
    return StockItem.objects.for_tenant(tenant).filter(
        order_ref=order_ref, status=_S.RESERVED
    ).update(status=_S.AVAILABLE, order_ref=None, reserved_at=None)


def mark_sold(*, tenant: Tenant, order_ref: int) -> int:
    return StockItem.objects.for_tenant(tenant).filter(
        order_ref=order_ref, status=_S.RESERVED
    ).update(status=_S.SOLD, sold_at=timezone.now())


def available_counts(*, tenant: Tenant, variant_ids: list[int]) -> dict[int, int]:
    rows = (StockItem.objects.for_tenant(tenant)
            .filter(variant_id__in=variant_ids, status=_S.AVAILABLE)
            .values("variant_id").order_by().annotate(n=Count("id")))
    return {row["variant_id"]: row["n"] for row in rows}
