"""Platform-wide reads for the ops pages (cross-tenant on purpose)."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count

from audit.models import AuditEvent
from tenants.models import Tenant, User

BEAT_CACHE_KEY = "ops:beat:last_seen"


def ops_summary() -> dict:
    by_status = dict(Tenant.objects.values_list("status").annotate(n=Count("id")))
    return {
        "tenants_total": sum(by_status.values()),
        "tenants_by_status": [
            {"label": label, "count": by_status.get(value, 0)}
            for value, label in Tenant.Status.choices
        ],
        "users_total": User.objects.count(),
        "beat_last_seen": cache.get(BEAT_CACHE_KEY),
        "recent_audit": list(AuditEvent.objects.select_related("actor", "tenant")[:10]),
    }
