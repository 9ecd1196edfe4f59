"""Prometheus metrics that matter to operators, and the token-protected /metrics endpoint.

Apps import the instruments from here; names follow Prometheus conventions (`_total`, seconds).
"""

from __future__ import annotations

import os
import secrets

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

WEBHOOKS_RECEIVED = Counter("vitrine_webhooks_received_total", "Provider webhooks received",
                            ["provider", "result"])
PAYMENT_TRANSITIONS = Counter("vitrine_payment_transitions_total",
                              "Payment status transitions applied", ["status"])
CHECKOUT_SECONDS = Histogram("vitrine_checkout_seconds", "Checkout latency (reserve + order)")
DELIVERIES = Counter("vitrine_deliveries_total", "Deliveries performed", ["result", "reason"])
BOTS_BY_STATE = Gauge("vitrine_bots", "Tenant bots by observed state", ["state"])
RECONCILE_SECONDS = Histogram("vitrine_runtime_reconcile_seconds", "Runtime reconcile pass")
QUEUES = ("default", "fulfillment", "runtime")


class QueueDepthCollector(Collector):
    """Celery queue depths, read from the Redis broker at scrape time."""

    def collect(self):  # type: ignore[override]
        family = GaugeMetricFamily("vitrine_queue_depth", "Messages waiting per Celery queue",
                                   labels=["queue"])
        for queue, depth in queue_depths().items():
            family.add_metric([queue], depth)
        yield family


def queue_depths() -> dict[str, float]:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        return _folder_depths()
    if not url.startswith(("redis://", "rediss://")):
        return {}
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=1)
        return {queue: float(client.llen(queue)) for queue in QUEUES}
    except redis.RedisError:
        return {}


def _folder_depths() -> dict[str, float]:
    """kombu's filesystem transport: one `<ms>_<uuid>.<queue>.msg` file per waiting message."""
    folder = (settings.CELERY_BROKER_TRANSPORT_OPTIONS or {}).get("data_folder_in")
    try:
        names = os.listdir(folder) if folder else []
    except OSError:
        return {}
    return {queue: float(sum(name.endswith(f".{queue}.msg") for name in names))
            for queue in QUEUES}


REGISTRY.register(QueueDepthCollector())


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition, behind `Authorization: Bearer <METRICS_TOKEN>`; off when unset."""
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token:
        raise Http404
    if not secrets.compare_digest(given.encode(), token.encode()):
        return HttpResponse("metrics token required\n", status=401, content_type="text/plain")
    from django_prometheus.exports import ExportToDjangoView

    return ExportToDjangoView(request)
