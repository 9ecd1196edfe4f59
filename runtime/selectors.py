"""Reads for the runtime."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Case, Count, IntegerField, QuerySet, Value, When

from runtime.backends import namespace
from runtime.models import SEVERITY, BotRuntime, BotSnapshot, EngineReport, Observed
from tenants.models import Tenant


def runtime_get(*, tenant: Tenant) -> BotRuntime | None:
    return BotRuntime.objects.for_tenant(tenant).select_related("desired_by").first()


def snapshot_get(*, tenant: Tenant) -> BotSnapshot | None:
    """What the controller last recorded of the tenant's bot (logs, CPU, memory)."""
    return BotSnapshot.objects.for_tenant(tenant).first()


def engine_report_latest() -> EngineReport | None:
    """The controller's last report on the configured engine (None: it never reported)."""
    return EngineReport.objects.filter(namespace=namespace(),
                                       backend=settings.RUNTIME_BACKEND).first()


def runtimes_failing_first() -> QuerySet[BotRuntime]:
    """Every tenant's runtime (cross-tenant: admin and ops), the worst state first."""
    severity = Case(*[When(observed_state=state, then=Value(rank))
                      for state, rank in SEVERITY.items()], output_field=IntegerField())
    return (BotRuntime.objects.unscoped().select_related("tenant")
            .annotate(severity=severity).order_by("severity", "tenant__name"))


def record_bot_states() -> None:
    """Publish how many bots are in each observed state (Prometheus gauge)."""
    from config.metrics import BOTS_BY_STATE

    counts = dict(BotRuntime.objects.unscoped().values_list("observed_state")
                  .annotate(n=Count("id")).order_by())
    for state in Observed.values:
        BOTS_BY_STATE.labels(state=state).set(counts.get(state, 0))
