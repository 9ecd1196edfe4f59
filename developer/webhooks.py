"""Outgoing webhooks: events become one delivery per subscribed endpoint (in the transaction
that caused them), sent after the commit, retried with backoff for 24 hours from a due-time
queue (`next_attempt_at`, claimed with a conditional UPDATE), signed (signing.py), only to
the URL the shop set and only to public addresses (config.egress), never following redirects.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from datetime import timedelta
from typing import Any

import requests
from django.db import transaction
from django.utils import timezone

import audit
from config import egress
from config.egress import EgressRefused, check_url
from developer import signing
from developer.models import WebhookDelivery, WebhookEndpoint
from tenants.due import row_claim, rows_claim_due

log = logging.getLogger(__name__)

# Waits after each failed attempt; the last one lands about 24 hours after the event.
BACKOFF = (60, 300, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600)
GIVE_UP_AFTER = timedelta(hours=24, minutes=30)
LEASE = timedelta(minutes=2)
ROTATION_GRACE = timedelta(hours=24)
TIMEOUT = (5, 10)
_S = WebhookDelivery.State


# -- events (from the signals of sales, trust, memberships and disputes) -------------------------

def _order_data(order: Any) -> dict[str, Any]:
    return {"code": order.code, "status": order.status, "total_cents": order.total_cents,
            "currency": order.currency, "paid_at": order.paid_at.isoformat()
            if order.paid_at else None,
            "customer": {"discord_user_id": order.customer.discord_user_id},
            "lines": [{"product": ln.product_name, "variant": ln.variant_label,
                       "quantity": ln.quantity, "line_total_cents": ln.line_total_cents,
                       # Private answers (catalog.fields) stay out of webhooks.
                       "answers": {a["key"]: a["value"] for a in ln.answers or []
                                   if not a.get("private")}}
                      for ln in order.lines.all()]}


def event_publish(*, tenant_id: int, event: str, data: dict[str, Any]) -> list[int]:
    """One pending delivery per active endpoint subscribed to `event`; sent after commit."""
    endpoints = [e for e in WebhookEndpoint.objects.for_tenant(tenant_id).filter(is_active=True)
                 if event in (e.events or [])]
    ids = []
    for endpoint in endpoints:
        delivery = WebhookDelivery.objects.create(
            tenant_id=tenant_id, endpoint=endpoint, event=event,
            payload={"type": event, "created": int(time.time()), "data": data},
            next_attempt_at=timezone.now())
        ids.append(delivery.pk)
    if ids:
        transaction.on_commit(lambda: _enqueue(tenant_id, ids))
    return ids


def _enqueue(tenant_id: int, ids: list[int]) -> None:
    from celery import current_app

    for pk in ids:
        try:
            current_app.tasks["developer.tasks.send"].delay(tenant_id, pk)
        except Exception:  # the sweeper sends what a lost enqueue left behind
            log.warning("webhook enqueue failed; the sweeper will", exc_info=True)


def on_order_paid(sender: Any, order: Any, **_kw: Any) -> None:
    event_publish(tenant_id=order.tenant_id, event="order.paid", data=_order_data(order))


def on_order_delivered(sender: Any, order: Any, **_kw: Any) -> None:
    event_publish(tenant_id=order.tenant_id, event="order.delivered", data=_order_data(order))


def on_order_revoked(sender: Any, order: Any, status: str, **_kw: Any) -> None:
    event = "order.refunded" if status == "refunded" else "order.charged_back"
    event_publish(tenant_id=order.tenant_id, event=event, data=_order_data(order))


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _customer(customer: Any) -> dict[str, str] | None:
    return {"discord_user_id": customer.discord_user_id} if customer else None


def on_review_created(sender: Any, review: Any, **_kw: Any) -> None:
    # The stars and comment are public already (the shop's review channel shows them).
    event_publish(tenant_id=review.tenant_id, event="review.created", data={
        "id": review.pk, "order": review.order.code, "stars": review.stars,
        "comment": review.comment, "customer": _customer(review.customer),
        "products": sorted(p.name for p in review.products.all()),
        "created_at": _iso(review.created_at)})


def on_membership_renewed(sender: Any, member: Any, charge: Any, payment: Any,
                          **_kw: Any) -> None:
    event_publish(tenant_id=member.tenant_id, event="membership.renewed", data={
        "member": member.pk, "status": member.status, "tier": member.tier.name,
        "method": member.method, "amount_cents": payment.amount_cents,
        "currency": payment.currency, "period_start": _iso(member.current_period_start),
        "period_end": _iso(member.current_period_end), "customer": _customer(member.customer)})


def on_dispute_opened(sender: Any, dispute: Any, **_kw: Any) -> None:
    # Facts the shop sees in its portal; the provider's raw notification stays with us.
    event_publish(tenant_id=dispute.tenant_id, event="dispute.opened", data={
        "id": dispute.pk, "kind": dispute.kind, "state": dispute.state,
        "provider": dispute.provider, "amount_cents": dispute.amount_cents,
        "currency": dispute.currency, "reason": dispute.reason,
        "deadline_at": _iso(dispute.deadline_at),
        "order": dispute.order.code if dispute.order else None,
        "customer": _customer(dispute.customer)})


# -- sending -------------------------------------------------------------------------------------

def deliveries_claim_due(*, now: Any = None, limit: int = 500) -> list[tuple[int, int]]:
    return rows_claim_due(WebhookDelivery, field="next_attempt_at", lease=LEASE, now=now,
                          limit=limit, state=_S.PENDING)


def _claim(tenant_id: int, pk: int, now: Any) -> bool:
    return row_claim(WebhookDelivery, tenant_id=tenant_id, pk=pk, field="next_attempt_at",
                     now=now, changes={"next_attempt_at": now + LEASE}, state=_S.PENDING)


def delivery_send(*, tenant_id: int, delivery_id: int, claimed: bool = False) -> str:
    """One attempt: POST the signed body; 2xx ends it, anything else schedules the next try
    (until 24 hours have passed)."""
    now = timezone.now()
    if not claimed and not _claim(tenant_id, delivery_id, now):
        return "skipped"
    delivery = WebhookDelivery.objects.for_tenant(tenant_id).select_related("endpoint").get(
        pk=delivery_id)
    status, error = _post(delivery)
    attempts = delivery.attempts + 1
    scope = WebhookDelivery.objects.for_tenant(tenant_id).filter(pk=delivery.pk)
    if status is not None and 200 <= status < 300:
        scope.update(state=_S.DONE, attempts=attempts, last_status=status, last_error="",
                     next_attempt_at=None, done_at=timezone.now())
        return "done"
    late = timezone.now() - delivery.created_at > GIVE_UP_AFTER or attempts > len(BACKOFF)
    refused = error.startswith("refused")
    scope.update(attempts=attempts, last_status=status, last_error=error[:300],
                 state=_S.FAILED if late or refused else _S.PENDING,
                 next_attempt_at=None if late or refused else
                 timezone.now() + timedelta(seconds=BACKOFF[attempts - 1]))
    return "failed" if late or refused else "retry"


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    endpoint = delivery.endpoint
    try:
        check_url(endpoint.url)
    except EgressRefused as exc:
        return None, f"refused: {exc}"
    body = json.dumps({"id": str(delivery.event_id), **delivery.payload},
                      separators=(",", ":"), sort_keys=True).encode()
    keys = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_valid_until \
            and endpoint.previous_valid_until > timezone.now():
        keys.append(endpoint.previous_secret)
    headers = {"Content-Type": "application/json", "User-Agent": "Vitrine-Webhooks/1",
               "Vitrine-Event": delivery.event, "Vitrine-Delivery": str(delivery.event_id),
               signing.HEADER: signing.header(keys, int(time.time()), body)}
    try:
        response = egress.post(endpoint.url, data=body, headers=headers, timeout=TIMEOUT)
    except EgressRefused as exc:  # the address it reached was not public: nothing sent
        return None, f"refused: {exc}"
    except requests.RequestException as exc:
        return None, f"unreachable ({type(exc).__name__})"
    return response.status_code, "" if response.ok else f"HTTP {response.status_code}"


# -- the shop's settings (portal) ------------------------------------------------------------

def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


@transaction.atomic
def endpoint_create(*, tenant: Any, actor: Any, url: str,
                    events: list[str]) -> tuple[WebhookEndpoint, str]:
    """The secret is returned once, to be shown once."""
    secret = _new_secret()
    endpoint = WebhookEndpoint.objects.create(tenant=tenant, url=url, events=events,
                                              secret=secret)
    audit.record(actor=actor, tenant=tenant, action="webhook.endpoint_create", target=endpoint,
                 data={"url": url, "events": events})
    return endpoint, secret


@transaction.atomic
def endpoint_rotate(*, endpoint: WebhookEndpoint, actor: Any) -> str:
    """A new secret; the old one keeps signing too for ROTATION_GRACE."""
    secret = _new_secret()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_valid_until = timezone.now() + ROTATION_GRACE
    endpoint.secret = secret
    endpoint.save(update_fields=["secret", "previous_secret", "previous_valid_until"])
    audit.record(actor=actor, tenant=endpoint.tenant, action="webhook.secret_rotate",
                 target=endpoint, data={"url": endpoint.url})
    return secret


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint, actor: Any) -> None:
    audit.record(actor=actor, tenant=endpoint.tenant, action="webhook.endpoint_delete",
                 target=endpoint, data={"url": endpoint.url})
    endpoint.delete()


@transaction.atomic
def delivery_resend(*, delivery: WebhookDelivery, actor: Any) -> None:
    """The portal's re-send: the same event (same id, so receivers can dedupe), now."""
    WebhookDelivery.objects.for_tenant(delivery.tenant_id).filter(pk=delivery.pk).update(
        state=_S.PENDING, next_attempt_at=timezone.now(), created_at=timezone.now())
    audit.record(actor=actor, tenant=delivery.tenant, action="webhook.resend", target=delivery,
                 data={"event": delivery.event, "event_id": str(delivery.event_id)})
    tenant_id, pk = delivery.tenant_id, delivery.pk
    transaction.on_commit(lambda: _enqueue(tenant_id, [pk]))
