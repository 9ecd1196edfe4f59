"""Reads for disputes: a shop's list, its open count, and the operators' open disputes."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from disputes.models import Dispute


def disputes_for(*, tenant: Any, state: str = "") -> QuerySet[Dispute]:
    rows = (Dispute.objects.for_tenant(tenant).select_related("order", "customer", "payment")
            .order_by("-opened_at", "-id"))
    return rows.filter(state=state) if state else rows


def dispute_summary(*, tenant: Any) -> dict[str, int]:
    """Open count, money frozen by open disputes, and how many are past their deadline."""
    rows = Dispute.objects.for_tenant(tenant).aggregate(
        open=Count("id", filter=Q(state=Dispute.State.OPEN)),
        frozen=Sum("frozen_cents", filter=Q(state=Dispute.State.OPEN)),
        overdue=Count("id", filter=Q(state=Dispute.State.OPEN,
                                     deadline_at__lt=timezone.now())))
    return {"open": rows["open"] or 0, "frozen": rows["frozen"] or 0,
            "overdue": rows["overdue"] or 0}


def open_disputes() -> QuerySet[Dispute]:
    """Operators: every shop's open disputes, nearest deadline first (cross-tenant by name)."""
    return (Dispute.objects.unscoped().filter(state=Dispute.State.OPEN)
            .select_related("tenant", "order").order_by("deadline_at", "id"))
