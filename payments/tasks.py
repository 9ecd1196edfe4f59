"""Thin Celery tasks: take ids, claim, call one service (DESIGN.md, Tasks are thin)."""

from __future__ import annotations

from datetime import timedelta

import structlog
from celery import shared_task
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from payments import ingest, registry, services
from payments.models import WebhookEvent
from payments.providers.base import ProviderError

log = structlog.get_logger(__name__)
E = WebhookEvent.State
RETRY_DELAYS = (5, 30, 120, 600, 1800)
# A worker that died mid-event leaves it "processing"; after this it may be claimed again.
CLAIM_TIMEOUT = timedelta(minutes=5)


def claim(event_id: int) -> bool:
    """Conditional UPDATE: exactly one worker gets a given event at a time."""
    now = timezone.now()
    claimable = Q(state__in=[E.RECEIVED, E.QUEUED, E.FAILED]) | Q(state=E.PROCESSING,
                                                       claimed_at__lt=now - CLAIM_TIMEOUT)
    return WebhookEvent.objects.filter(claimable, pk=event_id).update(
        state=E.PROCESSING, claimed_at=now, attempts=F("attempts") + 1) == 1


def _finish(event_id: int, state: str, error: str = "", payment_id: int | None = None) -> None:
    WebhookEvent.objects.filter(pk=event_id, state=E.PROCESSING).update(
        state=state, error=error[:2000], processed_at=timezone.now(),
        **({"payment_id": payment_id} if payment_id else {}))


@shared_task(bind=True, max_retries=len(RETRY_DELAYS), soft_time_limit=60, time_limit=90)
def apply_webhook_event(self, event_id: int) -> str:
    if not claim(event_id):
        return "not claimed"
    event = WebhookEvent.objects.get(pk=event_id)
    handler = registry.topic_handler(event.provider, event.topic)
    try:
        payment = (handler(event) if handler is not None else
                   services.payment_sync(provider_payment_id=event.data_id,
                                         provider=event.provider))
    except services.UnknownPayment as exc:
        _finish(event_id, E.IGNORED, str(exc))
        return "unknown payment"
    except ProviderError as exc:
        _finish(event_id, E.FAILED, str(exc))
        if exc.permanent or self.request.retries >= len(RETRY_DELAYS):
            return "failed"
        raise self.retry(countdown=RETRY_DELAYS[self.request.retries]) from exc
    except Exception as exc:
        _finish(event_id, E.FAILED, f"{exc.__class__.__name__}: {exc}")
        raise
    _finish(event_id, E.PROCESSED, payment_id=payment.pk if payment is not None else None)
    return payment.status if payment is not None else "processed"


def _queue_received(limit: int = 500) -> int:
    with transaction.atomic():
        ids = list(WebhookEvent.objects.select_for_update(skip_locked=True)
                   .filter(state=E.RECEIVED).order_by("pk").values_list("pk", flat=True)[:limit])
        WebhookEvent.objects.filter(pk__in=ids, state=E.RECEIVED).update(state=E.QUEUED)
    for event_id in ids:
        apply_webhook_event.delay(event_id)
    return len(ids)


@shared_task(soft_time_limit=120, time_limit=150)
def drain_webhook_events(final: bool = False) -> int:
    """Fan stored events out to apply_webhook_event (one task each, so workers share them).

    Order matters: a request stores its event, then tries SET NX. If the key was still there,
    this drain has not yet deleted it, so the pass after the delete sees that event. A process
    that trusted the flag without asking (payments.ingest.Ingest.kick) may store events until
    its trust ends, at most PAYMENTS_DRAIN_TRUST_MS after the delete: the `final` pass runs
    after twice that.
    """
    total = 0
    while (queued := _queue_received()):
        total += queued
    if final:
        return total
    process = ingest.current()
    if (flag := process.drain_flag()) is not None:
        flag.delete(ingest.DRAIN_KEY)
        if (trust := process.trust_seconds()) > 0:
            drain_webhook_events.apply_async(kwargs={"final": True}, countdown=2 * trust)
    return total + _queue_received()


@shared_task(soft_time_limit=60, time_limit=90)
def sync_provider_payment(provider_payment_id: str, provider: str = "mercadopago") -> str:
    """The buyer came back from a hosted checkout: re-read that payment now (never trust the
    URL)."""
    try:
        return services.payment_sync(provider_payment_id=str(provider_payment_id),
                                     provider=provider).status
    except (services.UnknownPayment, ProviderError) as exc:
        log.info("payment.sync_skipped", provider_payment_id=provider_payment_id, error=str(exc))
        return "skipped"


@shared_task(soft_time_limit=240, time_limit=300)
def reconcile_payments() -> dict:
    """Beat: open payments a webhook may have missed, expired PIX, and left-behind events."""
    counts = services.payments_reconcile()
    stuck = services.webhook_events_stuck()
    for event_id in stuck:
        apply_webhook_event.delay(event_id)
    counts["events_requeued"] = len(stuck)
    return counts
