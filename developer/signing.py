"""How outgoing webhooks are signed (the scheme of Stripe's `Stripe-Signature`).

    Vitrine-Signature: t=1733050000,v1=5257a869e7ec...[,v1=<with the previous secret>]

`v1` is hex HMAC-SHA256 with the endpoint's secret over `"<t>." + <raw body>`. To verify:
split the header on ",", take `t` and every `v1`, compute the HMAC over `f"{t}.".encode() +
body` with your secret, accept when one `v1` matches (constant-time compare) and `t` is
within 5 minutes of now. During a secret rotation (24 h) there is one v1 per secret.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "Vitrine-Signature"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def header(secrets: list[str], timestamp: int, body: bytes) -> str:
    return ",".join([f"t={timestamp}", *(f"v1={signature(s, timestamp, body)}"
                                         for s in secrets if s)])
