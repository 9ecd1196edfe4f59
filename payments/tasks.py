"""Thin Celery tasks: take ids, claim, call one service (DESIGN.md, Tasks are thin)."""

from __future__ import annotations

import time
from datetime import timedelta

import structlog
from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from payments import ingest, registry, services, state
from payments.models import WebhookEvent
from payments.providers.base import Charge, ProviderError

log = structlog.get_logger(__name__)
E = WebhookEvent.State
RETRY_DELAYS = (5, 30, 120, 600, 1800)
# A worker that died mid-event leaves it "processing"; after this it may be claimed again.
CLAIM_TIMEOUT = timedelta(minutes=5)
APPLY_BATCH = 10  # events per apply_webhook_events task: a burst spreads over the workers
DRAIN_POLL = 0.01  # seconds between a lingering drain's passes (one indexed query each)
DRAIN_MAX_LINGER = ingest.DRAIN_TTL / 2  # the flag (DRAIN_TTL) must outlive the drain


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
    outcome, retry = _apply(WebhookEvent.objects.get(pk=event_id))
    if retry is not None and self.request.retries < len(RETRY_DELAYS):
        raise self.retry(countdown=RETRY_DELAYS[self.request.retries]) from retry
    return outcome


def _apply(event: WebhookEvent) -> tuple[str, ProviderError | None]:
    """Apply one claimed event: re-read its payment from the provider (never the body) and
    apply it. Returns (outcome, the ProviderError worth retrying, if any)."""
    if (handler := registry.topic_handler(event.provider, event.topic)) is not None:
        return _apply_topic(event, handler)
    # A seller's notification names their Mercado Pago user: their token reads it.
    seller = str(event.payload.get("user_id") or "") if isinstance(event.payload, dict) else ""
    try:
        # The payment's change and the event's outcome commit together: one commit (one WAL
        # flush) per event instead of two, and never a payment applied whose event says
        # otherwise. An error rolls back both (payment_apply_charge is all or nothing anyway).
        with transaction.atomic():
            try:
                payment = services.payment_sync(provider_payment_id=event.data_id,
                                                provider=event.provider, account=seller)
            except services.UnknownPayment as exc:  # its audit line commits with the outcome
                _finish(event.pk, E.IGNORED, str(exc))
                return "unknown payment", None
            _finish(event.pk, E.PROCESSED, payment_id=payment.pk)
    except ProviderError as exc:
        _finish(event.pk, E.FAILED, str(exc))
        return "failed", None if exc.permanent else exc
    except Exception as exc:
        _finish(event.pk, E.FAILED, f"{exc.__class__.__name__}: {exc}")
        raise
    return payment.status, None


def claim_many(event_ids: list[int]) -> list[WebhookEvent]:
    """`claim` for a batch in two statements: the claimable rows are locked (rows another
    worker holds are skipped, not waited for) and marked processing in one transaction, so
    each event still goes to exactly one worker at a time."""
    now = timezone.now()
    claimable = Q(state__in=[E.RECEIVED, E.QUEUED, E.FAILED]) | Q(state=E.PROCESSING,
                                                       claimed_at__lt=now - CLAIM_TIMEOUT)
    with transaction.atomic():
        events = list(WebhookEvent.objects.select_for_update(skip_locked=True)
                      .filter(claimable, pk__in=event_ids).order_by("pk"))
        WebhookEvent.objects.filter(pk__in=[e.pk for e in events]).update(
            state=E.PROCESSING, claimed_at=now, attempts=F("attempts") + 1)
    return events


@shared_task(soft_time_limit=120, time_limit=150)
def apply_webhook_events(event_ids: list[int]) -> dict[str, int]:
    """A drain's batch: one claim for all, each event's payment re-read from the provider
    (its own GET, before any transaction: no row lock is held over HTTP), then every event
    applied in its own savepoint of one transaction, so the batch pays one commit (one WAL
    flush, most of an event's cost when applied alone) instead of one per event. Each
    event's payment change and outcome still commit together, and exactly once: the
    transitions are conditional updates whoever applies them. If the batch's transaction
    fails as a whole (a deadlock, a lost connection), each event is applied again on its own,
    as apply_webhook_event does. An event that failed retryably goes on with
    apply_webhook_event's retries, on its own, once the batch committed."""
    counts: dict[str, int] = {}
    events = claim_many(event_ids)
    alone = [e for e in events if registry.topic_handler(e.provider, e.topic) is not None]
    # The same order in every batch: two batches touching the same payments lock them alike.
    batch = sorted((e for e in events if e not in alone), key=lambda e: (e.data_id, e.pk))
    fetched = [(event, _fetch(event)) for event in batch]
    try:
        with transaction.atomic():
            outcomes = [_apply_fetched(event, charge) for event, charge in fetched]
    except Exception:  # the batch as a whole: each event again on its own (all rolled back)
        log.exception("payments.batch_failed", events=[e.pk for e in batch])
        alone += batch
        outcomes = []
    for outcome in outcomes:
        counts[outcome] = counts.get(outcome, 0) + 1
    for event in alone:
        try:
            outcome, retry = _apply(event)
        except Exception:  # recorded on the event (failed, swept again); the others go on
            log.exception("payments.apply_failed", event=event.pk)
            outcome, retry = "error", None
        if retry is not None:
            apply_webhook_event.apply_async((event.pk,), countdown=RETRY_DELAYS[0])
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _seller(event: WebhookEvent) -> str:
    # A seller's notification names their Mercado Pago user: their token reads it.
    return str(event.payload.get("user_id") or "") if isinstance(event.payload, dict) else ""


def _fetch(event: WebhookEvent) -> Charge | Exception:
    """The event's charge from the provider, or the error reading it (applied in the batch)."""
    try:
        return state.charge_fetch(provider_payment_id=event.data_id, provider=event.provider,
                                  account=_seller(event))
    except (services.UnknownPayment, ProviderError) as exc:
        return exc
    except Exception as exc:  # a bug or a network error the wrapper did not map
        return exc


def _apply_fetched(event: WebhookEvent, charge: Charge | Exception) -> str:
    """One event of a batch, inside the batch's transaction, in its own savepoint."""
    retry: ProviderError | None = None
    try:
        with transaction.atomic():
            if isinstance(charge, Exception):
                raise charge
            try:
                payment = state.charge_apply(charge=charge, provider=event.provider)
            except services.UnknownPayment as exc:  # its audit line commits with the outcome
                _finish(event.pk, E.IGNORED, str(exc))
                return "unknown payment"
            _finish(event.pk, E.PROCESSED, payment_id=payment.pk)
            return payment.status
    except services.UnknownPayment as exc:  # the provider has no such payment
        _finish(event.pk, E.IGNORED, str(exc))
        return "unknown payment"
    except ProviderError as exc:
        _finish(event.pk, E.FAILED, str(exc))
        retry = None if exc.permanent else exc
        return "failed"
    except Exception as exc:  # its savepoint rolled back; recorded, swept again; others go on
        log.exception("payments.apply_failed", event=event.pk)
        _finish(event.pk, E.FAILED, f"{exc.__class__.__name__}: {exc}")
        return "error"
    finally:
        if retry is not None:  # published once the failure is committed (claim needs it)
            pk = event.pk
            transaction.on_commit(lambda: apply_webhook_event.apply_async(
                (pk,), countdown=RETRY_DELAYS[0]))


def _apply_topic(event: WebhookEvent, handler) -> tuple[str, ProviderError | None]:
    """A topic another app owns (subscriptions, disputes): its handler re-reads the truth from
    the provider, applies it and returns the Payment it concerned (or None)."""
    try:
        payment = handler(event)
    except ProviderError as exc:
        _finish(event.pk, E.FAILED, str(exc))
        return "failed", None if exc.permanent else exc
    except Exception as exc:
        _finish(event.pk, E.FAILED, f"{exc.__class__.__name__}: {exc}")
        raise
    _finish(event.pk, E.PROCESSED, payment_id=payment.pk if payment is not None else None)
    return (payment.status if payment is not None else event.topic), None


def _queue_received(limit: int = 500) -> int:
    with transaction.atomic():
        ids = list(WebhookEvent.objects.select_for_update(skip_locked=True)
                   .filter(state=E.RECEIVED).order_by("pk").values_list("pk", flat=True)[:limit])
        WebhookEvent.objects.filter(pk__in=ids, state=E.RECEIVED).update(state=E.QUEUED)
    for start in range(0, len(ids), APPLY_BATCH):
        apply_webhook_events.delay(ids[start:start + APPLY_BATCH])
    return len(ids)


def _any_received() -> bool:
    return WebhookEvent.objects.filter(state=E.RECEIVED).exists()


def _pause(seconds: float) -> None:
    time.sleep(seconds)  # a lingering drain's wait between polls (tests inject arrivals here)


def _linger_seconds(task) -> float:
    """How long a drain keeps watching for new events after its last find. Not in an eager
    run (tests; the embedded default has a real worker): there the drain runs inside the
    acknowledging request, which must not wait."""
    if task.request.is_eager:
        return 0.0
    return settings.PAYMENTS_DRAIN_LINGER_MS / 1000


@shared_task(bind=True, soft_time_limit=120, time_limit=150)
def drain_webhook_events(self, final: bool = False) -> int:
    """Fan stored events out to apply_webhook_events (batches, so workers share them).

    While events keep arriving the drain stays: it polls every DRAIN_POLL seconds until none
    came for PAYMENTS_DRAIN_LINGER_MS (DRAIN_MAX_LINGER at most). Meanwhile the flag stays
    set, so acknowledgements cost no Redis round trip nor publish, and an event waits for one
    poll, not for a new drain or the last pass (issue 25: events waited for a drain pass).

    Order matters: a request stores its event, then tries SET NX. If the key was still there,
    this drain has not yet deleted it, so the pass after the delete sees that event. A process
    that trusted the flag without asking (payments.ingest.Ingest.kick) may store events until
    its trust ends, at most PAYMENTS_DRAIN_TRUST_MS after the delete: the `final` pass runs
    after twice that.
    """
    total = 0
    while (queued := _queue_received()):
        total += queued
    linger = _linger_seconds(self) if total and not final else 0.0
    started = last_found = time.monotonic()
    while linger and time.monotonic() - last_found < linger \
            and time.monotonic() - started < DRAIN_MAX_LINGER:
        _pause(DRAIN_POLL)
        # Most polls find nothing: one plain indexed SELECT for those, not the locking claim's
        # transaction (four round trips every 10 ms, a sixth of a busy worker's time).
        if _any_received() and (queued := _queue_received()):
            total += queued
            last_found = time.monotonic()
    if final:
        return total
    process = ingest.current()
    if (flag := process.drain_flag()) is not None:
        flag.delete(ingest.DRAIN_KEY)
        if (trust := process.trust_seconds()) > 0:
            drain_webhook_events.apply_async(kwargs={"final": True}, countdown=2 * trust)
    return total + _queue_received()


@shared_task(soft_time_limit=60, time_limit=90)
def sync_provider_payment(provider_payment_id: str, provider: str = "mercadopago",
                          tenant_id: int | None = None) -> str:
    """The buyer came back from a hosted checkout: re-read that payment now (never trust the
    URL). `tenant_id`: a shop's own account, read with that shop's token."""
    try:
        return services.payment_sync(provider_payment_id=str(provider_payment_id),
                                     provider=provider, tenant_id=tenant_id).status
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


@shared_task(soft_time_limit=240, time_limit=300)
def refresh_mercadopago_connections() -> dict:
    """Beat: shops' own Mercado Pago tokens nearing expiry are refreshed (payments.connect)."""
    from payments import connect

    return connect.connections_refresh_due()
