"""The due-time queue of the beat sweepers, over any tenant-owned model with a "due" column.

A sweeper lists the rows whose due time has passed (across tenants, said by `.unscoped()`),
oldest first, then claims each one with a conditional UPDATE scoped to its tenant: the UPDATE
re-checks the due time (and any state) and moves the row on, usually pushing its due time by
a lease so that a crashed worker's row comes back later. Only the worker whose UPDATE matched
one row does the work, so two sweeps or a sweep and a slow worker never do it twice.

Used by growth (cart reminders), smm (panel order and refill checks), memberships (members'
reminders, renewals and grace ends) and developer (webhook deliveries).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import models
from django.utils import timezone


def rows_due(model: type[models.Model], *, field: str, now: datetime | None = None,
             limit: int, **where: Any) -> list[tuple[int, int]]:
    """(tenant id, pk) of the rows whose `field` is at or before `now`, oldest first."""
    now = now or timezone.now()
    return list(model.objects.unscoped().filter(**{f"{field}__lte": now}, **where)
                .order_by(field).values_list("tenant_id", "pk")[:limit])


def row_claim(model: type[models.Model], *, tenant_id: int, pk: int, field: str,
              now: datetime, changes: dict[str, Any], **where: Any) -> bool:
    """Take one due row by a conditional UPDATE that applies `changes`; True if this call did."""
    return model.objects.for_tenant(tenant_id).filter(
        pk=pk, **{f"{field}__lte": now}, **where).update(**changes) == 1


def rows_claim_due(model: type[models.Model], *, field: str, lease: timedelta,
                   now: datetime | None = None, limit: int,
                   **where: Any) -> list[tuple[int, int]]:
    """The due rows this call claimed, each with `field` pushed to now + lease."""
    now = now or timezone.now()
    return [(tenant_id, pk)
            for tenant_id, pk in rows_due(model, field=field, now=now, limit=limit, **where)
            if row_claim(model, tenant_id=tenant_id, pk=pk, field=field, now=now,
                         changes={field: now + lease}, **where)]
