"""Mercado Pago's notification format: the signature, parsing, the rejection audit line.

Stateless; the acknowledgement that stores them is payments.ingest, the task that applies them
payments.tasks.

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

import structlog
from django.conf import settings

import audit
from config import boundaries
from payments import registry

log = structlog.get_logger(__name__)
MAX_BODY_BYTES = 64 * 1024
KNOWN_TOPICS = frozenset({"payment"})


def known_topic(topic: str) -> bool:
    """Payments, plus the topics a higher app registered (payments.registry.register_topic)."""
    return topic in KNOWN_TOPICS or topic in registry.topics("mercadopago")


def _tolerance() -> int:
    return int(getattr(settings, "MERCADOPAGO_WEBHOOK_TOLERANCE_SECONDS", 300))


def allow_unsigned_ipn() -> bool:
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
