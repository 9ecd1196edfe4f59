"""Platform-wide reads for the ops pages (cross-tenant on purpose)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from admin_panel.models import Heartbeat
from audit.models import AuditEvent
from config.metrics import queue_depths
from disputes.selectors import open_disputes
from payments.models import Payment, WebhookEvent
from runtime.selectors import runtimes_failing_first
from sales.models import Delivery
from tenants.models import Tenant, User
from wallet.models import Withdrawal


def beat_last_seen() -> datetime | None:
    """When beat last dispatched its pulse (admin_panel.tasks.record_beat), or None."""
    return Heartbeat.objects.filter(name="beat").values_list("seen_at", flat=True).first()


def ops_summary() -> dict:
    by_status = dict(Tenant.objects.values_list("status").annotate(n=Count("id")))
    hour_ago = timezone.now() - timedelta(hours=1)
    webhooks = WebhookEvent.objects.aggregate(
        last_hour=Count("id", filter=Q(received_at__gte=hour_ago)), last=Max("received_at"))
    waiting = Withdrawal.objects.unscoped().filter(status=Withdrawal.Status.PENDING).aggregate(
        count=Count("id"), total=Sum("amount_cents", default=0))
    bots = dict(runtimes_failing_first().values_list("observed_state")
                .annotate(n=Count("id")).order_by())
    return {
        "tenants_total": sum(by_status.values()),
        "tenants_by_status": [
            {"label": label, "count": by_status.get(value, 0)}
            for value, label in Tenant.Status.choices
        ],
        "users_total": User.objects.count(),
        "beat_last_seen": beat_last_seen(),
        "bots_failing": list(runtimes_failing_first().exclude(
            observed_state__in=["running", "stopped"])[:10]),
        "bots_by_state": sorted(bots.items()),
        "webhooks_last_hour": webhooks["last_hour"],
        "webhook_last_at": webhooks["last"],
        "events_waiting": WebhookEvent.objects.filter(
            state__in=[WebhookEvent.State.RECEIVED, WebhookEvent.State.QUEUED]).count(),
        "events_failed": WebhookEvent.objects.filter(state=WebhookEvent.State.FAILED).count(),
        "deliveries_failing": Delivery.objects.unscoped().filter(
            state=Delivery.State.FAILED).count(),
        "payments_in_review": Payment.objects.unscoped().filter(
            status=Payment.Status.REVIEW).count(),
        "withdrawals_waiting": waiting["count"],
        "withdrawals_waiting_cents": waiting["total"],
        "queues": queue_depths(),
        "disputes_open": open_disputes().count(),
        "disputes_next": list(open_disputes()[:10]),
        "recent_audit": list(AuditEvent.objects.select_related("actor", "tenant")[:10]),
    }

