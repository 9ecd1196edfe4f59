"""Mercado Pago notifications: verify, store, acknowledge; the task applies them.

Signature (MP docs, "Validate the origin of the notification"): header
`x-signature: ts=<unix>,v1=<hex>` is HMAC-SHA256, keyed with the webhook secret, over
`id:<data.id from the query>;request-id:<x-request-id>;ts:<ts>;` (parts whose value is absent
are left out; alphanumeric ids are lower-cased). Compared in constant time; `ts` must be within
MERCADOPAGO_WEBHOOK_TOLERANCE_SECONDS of now.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass

import psycopg
import structlog
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone

import audit
from config import boundaries
from payments.models import WebhookEvent

log = structlog.get_logger(__name__)
MAX_BODY_BYTES = 64 * 1024
KNOWN_TOPICS = frozenset({"payment"})


def _tolerance() -> int:
    return int(getattr(settings, "MERCADOPAGO_WEBHOOK_TOLERANCE_SECONDS", 300))


def _allow_unsigned_ipn() -> bool:
    return bool(getattr(settings, "MERCADOPAGO_IPN_ALLOW_UNSIGNED", False))


class Rejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def manifest(*, data_id: str, request_id: str, ts: str) -> str:
    parts = []
    if data_id:
        parts.append(f"id:{data_id.lower() if data_id.isalnum() else data_id};")
    if request_id:
        parts.append(f"request-id:{request_id};")
    parts.append(f"ts:{ts};")
    return "".join(parts)


def sign(*, secret: str, data_id: str, request_id: str, ts: int) -> str:
    """The header Mercado Pago would send (tests and the benchmark use it)."""
    digest = hmac.new(secret.encode(), manifest(data_id=data_id, request_id=request_id,
                                                ts=str(ts)).encode(), hashlib.sha256)
    return f"ts={ts},v1={digest.hexdigest()}"


def verify_signature(*, header: str, data_id: str, request_id: str,
                     now: float | None = None) -> None:
    """Raise Rejected(401) unless the signature is valid and fresh."""
    secret = settings.MERCADOPAGO_WEBHOOK_SECRET
    if not secret:
        raise Rejected(401, "webhook secret not configured")
    fields = dict(part.strip().split("=", 1) for part in header.split(",") if "=" in part)
    ts, given = fields.get("ts", ""), fields.get("v1", "")
    if boundaries.ascii_int(ts, max_digits=13) is None or not given:
        raise Rejected(401, "signature missing or malformed")
    expected = hmac.new(secret.encode(), manifest(data_id=data_id, request_id=request_id,
                                                  ts=ts).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given.lower()):
        raise Rejected(401, "signature mismatch")
    seconds = int(ts) / 1000 if len(ts) >= 13 else int(ts)  # MP has sent both s and ms
    if abs((now if now is not None else time.time()) - seconds) > _tolerance():
        raise Rejected(401, "signature timestamp outside tolerance")


@dataclass(frozen=True)
class Notification:
    event_id: str
    topic: str
    action: str
    data_id: str
    legacy_ipn: bool
    payload: dict
    payload_json: str  # the payload serialized once, as stored


def parse(*, query: dict[str, str], body: bytes) -> Notification:
    """Webhook format (JSON body, ?data.id=&type=) or legacy IPN (?topic=&id=)."""
    try:  # bad UTF-8, NUL, lone surrogates (jsonb refuses them), NaN, deep nesting: 400
        payload = boundaries.json_loads(body or b"{}")
    except boundaries.BadInput as exc:
        raise Rejected(400, exc.reason) from None
    if not isinstance(payload, dict):
        raise Rejected(400, "body is not a JSON object")
    text = json.dumps(payload, ensure_ascii=False)
    legacy = "topic" in query and "data.id" not in query
    if legacy:
        topic, data_id, action = query.get("topic", ""), query.get("id", ""), ""
    else:
        data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
        topic = str(query.get("type") or payload.get("type") or "")
        data_id = str(query.get("data.id") or data.get("id") or "")
        action = str(payload.get("action") or "")[:60]
    body_id = payload.get("id")
    if legacy or body_id in (None, ""):
        digest = hashlib.sha256(body + f"|{topic}|{data_id}".encode()).hexdigest()[:32]
        event_id = f"{'ipn' if legacy else 'body'}:{topic}:{data_id}:{digest}"
    else:
        event_id = str(body_id)
    return Notification(event_id=event_id[:120], topic=topic[:60], action=action,
                        data_id=data_id[:64], legacy_ipn=legacy, payload=payload,
                        payload_json=text)


def reject_audit(*, reason: str, status: int, request_id: str, remote: str) -> None:
    log.warning("webhook.rejected", reason=reason, status=status, request_id=request_id)
    audit.record(actor=None, tenant=None, action="webhook.rejected", target=None,
                 data={"provider": "mercadopago", "reason": reason, "status": status,
                       "request_id": request_id[:120], "remote": remote[:64]})


def store(*, note: Notification, request_id: str) -> tuple[int | None, str]:
    """Insert the event once: (event id, state), or (None, "") for a duplicate.

    One statement, `INSERT ... ON CONFLICT DO NOTHING RETURNING id`: the unique (provider,
    event id) decides, with no savepoint or exception round trips on the acknowledgement path.
    """
    state, error = WebhookEvent.State.RECEIVED, ""
    if note.topic not in KNOWN_TOPICS or not note.data_id:
        state, error = WebhookEvent.State.IGNORED, "unknown topic or no id"
    params = ["mercadopago", note.event_id, note.topic, note.action, note.data_id,
              request_id[:120], note.legacy_ipn, note.payload_json, timezone.now(), state, error]
    if connection.in_atomic_block:  # a caller's transaction: no retry can be safe in there
        return _insert(params, state)
    # The request's first query would pay CONN_HEALTH_CHECKS' extra round trip. This insert is
    # idempotent, so it skips the check and, if the kept connection turns out dead (database
    # restarted), retries once on a fresh one.
    connection.health_check_done = True
    try:
        return _insert(params, state)
    except (InterfaceError, OperationalError):
        connection.close()
        return _insert(params, state)


INSERT_SQL = (
    f"INSERT INTO {WebhookEvent._meta.db_table} (provider, event_id, topic, action, data_id, "  # noqa: S608
    "request_id, legacy_ipn, payload, received_at, state, attempts, error) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0, %s) "
    "ON CONFLICT (provider, event_id) DO NOTHING RETURNING id")


def _insert(params: list, state: str) -> tuple[int | None, str]:
    if connection.vendor == "postgresql":
        row = _insert_prepared(params)
    else:  # the embedded SQLite default
        with connection.cursor() as cursor:
            cursor.execute(INSERT_SQL, params)
            row = cursor.fetchone()
    return (row[0], state) if row else (None, "")


def _insert_prepared(params: list) -> tuple | None:
    """The same statement as a server-side prepared statement on Django's own connection.

    Django's psycopg cursors bind parameters client-side, so every acknowledgement paid for
    quoting eleven values in Python and PostgreSQL for parsing and planning the text again.
    A plain psycopg cursor binds server-side and, prepared once per connection, sends only the
    statement's name and the values: the busiest statement of the platform gets the cheapest
    path. Only this cursor prepares (Django's client-side cursors never do).
    """
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:  # Django's default turns even prepare=True off
        raw.prepare_threshold = 5  # psycopg's own default
    with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
        cursor.execute(INSERT_SQL, params, prepare=True)
        return cursor.fetchone()
