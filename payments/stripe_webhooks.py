"""Stripe webhooks: verify (`Stripe-Signature`), store once, acknowledge; the task applies.

Separate from the Mercado Pago fast path (payments/webhooks.py, payments/ingest.py) and shaped
the same way (DESIGN.md rule 4): the event is stored with its unique Stripe id (`evt_...`), so
a replay or duplicate stores nothing; `payments.tasks.apply_webhook_event` then re-reads the
Checkout Session from Stripe's API and applies that truth, so an out-of-order or stale event
ends in the same state as the ordered stream.
"""

from __future__ import annotations

import json

import structlog
from django.db import IntegrityError, transaction

import audit
from payments import providers, registry
from payments.models import WebhookEvent
from payments.providers.base import WebhookNotice

log = structlog.get_logger(__name__)
PROVIDER = "stripe"
# The events whose object leads to one of our Checkout Sessions; others are stored as ignored.
KNOWN_TOPICS = frozenset({
    "checkout.session.completed", "checkout.session.expired",
    "checkout.session.async_payment_succeeded", "checkout.session.async_payment_failed",
    "payment_intent.succeeded", "payment_intent.canceled", "payment_intent.payment_failed",
    "charge.refunded", "refund.created", "refund.updated",
})


def verify(*, body: bytes, headers: dict[str, str]) -> WebhookNotice:
    """Raises providers.base.WebhookRejected (401 forged/stale, 400 malformed, 413 too big)."""
    return providers.get(PROVIDER).verify_webhook(body=body, headers=headers, query={})


def store(*, notice: WebhookNotice, request_id: str = "") -> tuple[int | None, str]:
    """Insert the event once: (row id, state), or (None, "") when it was already stored."""
    state, error = WebhookEvent.State.RECEIVED, ""
    if (notice.topic not in KNOWN_TOPICS and notice.topic not in registry.topics(PROVIDER)) \
            or not notice.data_id:
        state, error = WebhookEvent.State.IGNORED, "unhandled event type or no object"
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                provider=PROVIDER, event_id=notice.event_id, topic=notice.topic,
                action=notice.action, data_id=notice.data_id, request_id=request_id[:120],
                payload=json.loads(json.dumps(notice.payload)), state=state, error=error)
    except IntegrityError:
        return None, ""
    return event.pk, state


def reject_audit(*, reason: str, status: int, remote: str) -> None:
    log.warning("webhook.rejected", provider=PROVIDER, reason=reason, status=status)
    audit.record(actor=None, tenant=None, action="webhook.rejected", target=None,
                 data={"provider": PROVIDER, "reason": reason, "status": status,
                       "remote": remote[:64]})


def ingest(*, body: bytes, headers: dict[str, str]) -> str:
    """Verify and store: "accepted", "duplicate" or "ignored"; the task is enqueued on commit."""
    notice = verify(body=body, headers=headers)
    request = notice.payload.get("request")
    request_id = str(request.get("id") or "") if isinstance(request, dict) else ""
    event_id, state = store(notice=notice, request_id=request_id)
    if event_id is None:
        return "duplicate"
    if state == WebhookEvent.State.IGNORED:
        return "ignored"
    from payments.tasks import apply_webhook_event

    def enqueue() -> None:
        try:
            apply_webhook_event.delay(event_id)
        except Exception as exc:  # broker down: the event is stored; the sweeper re-sends it
            log.error("payments.enqueue_failed", error=f"{exc.__class__.__name__}: {exc}")

    transaction.on_commit(enqueue)
    return "accepted"
