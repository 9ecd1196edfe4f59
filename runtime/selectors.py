"""Reads for the runtime."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from runtime.models import SEVERITY, BotRuntime
from tenants.models import Tenant


def runtime_get(*, tenant: Tenant) -> BotRuntime | None:
    return BotRuntime.objects.for_tenant(tenant).select_related("desired_by").first()


def runtimes_failing_first() -> QuerySet[BotRuntime]:
    """Every tenant's runtime (cross-tenant: admin and ops), the worst state first."""
    severity = Case(*[When(observed_state=state, then=Value(rank))
                      for state, rank in SEVERITY.items()], output_field=IntegerField())
    return (BotRuntime.objects.unscoped().select_related("tenant")
            .annotate(severity=severity).order_by("severity", "tenant__name"))
