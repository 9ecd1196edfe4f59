"""Thin Celery tasks: take ids, claim, call one service (DESIGN.md, Tasks are thin)."""

from __future__ import annotations

import time
from datetime import timedelta

import redis
import structlog
from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from payments import services
from payments.models import WebhookEvent
from payments.providers.mercadopago import ProviderError

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
    try:
        payment = services.payment_sync(provider_payment_id=event.data_id)
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
    _finish(event_id, E.PROCESSED, payment_id=payment.pk)
    return payment.status


DRAIN_KEY = "vitrine:payments:webhook-drain"
DRAIN_TTL = 30  # a drain that died lets the next notification start another after this
_flag_client: redis.Redis | None = None
_flag_seen_at: float | None = None  # when this process last saw the flag set (monotonic)
_clock = time.monotonic  # tests inject a clock


def drain_flag() -> redis.Redis | None:
    """The Redis client holding the "a drain is pending" flag, or None on the embedded default
    (locmem cache: no store every process sees, so each acknowledgement publishes).

    One client per process, made once: Django's cache builds a new redis.Redis per call,
    which costs more CPU than the SET itself on the acknowledgement path.
    """
    global _flag_client
    backend = settings.CACHES["default"]
    if "redis" not in backend["BACKEND"].lower():
        return None
    if _flag_client is None:
        _flag_client = redis.Redis.from_url(backend["LOCATION"])
    return _flag_client


def _trust_seconds() -> float:
    return settings.PAYMENTS_DRAIN_TRUST_MS / 1000


def drain_kick() -> None:
    """After an event is stored: make sure a drain runs, publishing at most one task while one
    is pending. The acknowledgement then costs a Redis SET NX, not a Celery publish.

    Under load even that round trip is most of what an acknowledgement costs beyond the insert
    (a blocking call per request in every web thread), so a process that saw the flag set
    trusts it for PAYMENTS_DRAIN_TRUST_MS without asking again. That is safe because a drain
    that clears the flag runs one more pass twice that long afterwards (see the task): an event
    stored while a process still trusted the flag was committed before that pass.
    """
    global _flag_seen_at
    flag = drain_flag()
    if flag is None:
        drain_webhook_events.delay()
        return
    asked_at = _clock()  # before the round trip: the trust never outlasts what Redis said
    if _flag_seen_at is not None and asked_at - _flag_seen_at < _trust_seconds():
        return
    if flag.set(DRAIN_KEY, 1, nx=True, ex=DRAIN_TTL):
        drain_webhook_events.delay()
    _flag_seen_at = asked_at


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
    that trusted the flag without asking (drain_kick) may store events until its trust ends,
    at most PAYMENTS_DRAIN_TRUST_MS after the delete: the `final` pass runs after twice that.
    """
    total = 0
    while (queued := _queue_received()):
        total += queued
    if final:
        return total
    if (flag := drain_flag()) is not None:
        flag.delete(DRAIN_KEY)
        if (trust := _trust_seconds()) > 0:
            drain_webhook_events.apply_async(kwargs={"final": True}, countdown=2 * trust)
    return total + _queue_received()


@shared_task(soft_time_limit=60, time_limit=90)
def sync_provider_payment(provider_payment_id: str) -> str:
    """The buyer came back from Checkout Pro: re-read that payment now (never trust the URL)."""
    try:
        return services.payment_sync(provider_payment_id=str(provider_payment_id)).status
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
