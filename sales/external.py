"""External fulfillment: the signed JSON a shop's own URL receives for each sale.

The fulfillment worker (a later issue) POSTs `body` with the `X-Vitrine-Signature` header;
shops verify it with HMAC-SHA256 over the raw body and the variant's signing secret, and
reject requests older than a few minutes using `X-Vitrine-Timestamp` (signed with the body).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from sales.models import Delivery

SIGNATURE_HEADER = "X-Vitrine-Signature"
TIMESTAMP_HEADER = "X-Vitrine-Timestamp"


def external_body(delivery: Delivery) -> bytes:
    order, line = delivery.order, delivery.line
    payload = {
        "event": "order.paid", "delivery_id": delivery.pk, "order": order.code,
        "buyer": {"discord_user_id": order.customer.discord_user_id,
                  "name": order.customer.display_name},
        "item": {"variant_id": line.variant_id, "product": line.product_name,
                 "variant": line.variant_label, "quantity": line.quantity,
                 "duration_days": line.duration_days,
                 "answers": {a["key"]: a["value"] for a in line.answers or []}},
        "total_cents": order.total_cents, "currency": order.currency,
    }
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def sign(*, secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: f"sha256={digest.hexdigest()}"}


def verify(*, secret: str, body: bytes, headers: dict[str, str], max_age: int = 300,
           now: int | None = None) -> bool:
    try:
        timestamp = int(headers[TIMESTAMP_HEADER])
    except (KeyError, ValueError):
        return False
    now = int(time.time()) if now is None else now
    if abs(now - timestamp) > max_age:
        return False
    expected = sign(secret=secret, body=body, timestamp=timestamp)[SIGNATURE_HEADER]
    return hmac.compare_digest(expected, headers.get(SIGNATURE_HEADER, ""))
