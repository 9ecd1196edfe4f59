"""The one module that talks to Stripe, through the official `stripe` SDK: card payments by
Checkout Sessions, refunds, and `Stripe-Signature` webhook verification.

Our Payment's `provider_payment_id` is the Checkout Session id (known as soon as the session
exists, so the buyer's link and every later read go through it); its PaymentIntent carries the
money, the refunds and the same metadata. STRIPE_API_BASE_URL points the SDK at the sandbox
(sandbox/stripe/) in tests and demos.
"""

from __future__ import annotations

import json
import time
from typing import Any

import stripe
from django.conf import settings

from payments.providers.base import (
    Charge,
    ChargeRequest,
    ChargeStatus,
    ProviderError,
    RefundInfo,
    WebhookNotice,
    WebhookRejected,
)

CURRENCIES = frozenset({"BRL", "USD", "EUR"})
# Stripe: a Checkout Session lives between 30 minutes and 24 hours.
SESSION_MIN, SESSION_MAX = 30 * 60, 24 * 3600
MAX_BODY_BYTES = 64 * 1024


def secrets() -> list[str]:
    """STRIPE_WEBHOOK_SECRETS, comma-separated: every one is accepted (secret rotation)."""
    raw = settings.STRIPE_WEBHOOK_SECRETS or ""
    return [part.strip() for part in raw.split(",") if part.strip()]


def _client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise ProviderError("STRIPE_SECRET_KEY is not set", permanent=True)
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY,
                               base_addresses={"api": settings.STRIPE_API_BASE_URL},
                               max_network_retries=1)


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except stripe.StripeError as exc:
        status = exc.http_status
        # 4xx other than 409 (idempotency in flight) and 429 will fail the same way again.
        permanent = (status is not None and 400 <= status < 500 and status not in (409, 429)
                     and not isinstance(exc, stripe.APIConnectionError))
        message = getattr(exc, "user_message", None) or str(exc) or exc.__class__.__name__
        raise ProviderError(f"Stripe answered {status}: {message}"[:500], permanent=permanent,
                            status=status) from exc
    except Exception as exc:  # anything else from the transport
        raise ProviderError(f"Stripe unreachable: {exc.__class__.__name__}",
                            permanent=False) from exc


def _plain(obj: Any) -> Any:
    return obj.to_dict() if hasattr(obj, "to_dict") else obj


def map_status(session: dict, intent: dict, refunded_cents: int) -> str | None:
    """Our status for a Checkout Session and its PaymentIntent."""
    amount = int(intent.get("amount") or 0)
    if intent.get("status") == "succeeded":
        if refunded_cents and refunded_cents >= amount:
            return ChargeStatus.REFUNDED
        return ChargeStatus.APPROVED
    if session.get("status") == "expired":
        return ChargeStatus.EXPIRED
    if intent.get("status") == "canceled":
        return ChargeStatus.CANCELLED
    if intent.get("status") == "processing":
        return ChargeStatus.IN_PROCESS
    if session.get("status") == "open":
        return ChargeStatus.PENDING
    return None


def _to_charge(session: dict, intent: dict, refunds: list[dict]) -> Charge:
    items = tuple(RefundInfo(provider_refund_id=str(r["id"]), amount_cents=int(r["amount"]))
                  for r in refunds if r.get("status") in ("succeeded", "pending")
                  and int(r.get("amount") or 0) > 0)
    refunded = sum(r.amount_cents for r in items)
    error = intent.get("last_payment_error") or {}
    detail = (error.get("decline_code") or error.get("code") or session.get("payment_status")
              or "")
    metadata = session.get("metadata") or {}
    amount = session.get("amount_total")
    return Charge(
        provider_payment_id=str(session["id"]),
        status=map_status(session, intent, refunded),
        status_detail=str(detail)[:80],
        amount_cents=int(amount) if isinstance(amount, int) else None,
        currency=str(session.get("currency") or "").upper(),
        reference=str(session.get("client_reference_id") or metadata.get("payment_id") or ""),
        tenant_id=str(metadata.get("tenant_id") or ""),
        refunded_cents=refunded, refunds=items, checkout_url=session.get("url") or "",
        checkout_id=str(session["id"]), raw={"session": session, "payment_intent": intent},
        payer_email=str((session.get("customer_details") or {}).get("email") or "").lower()[:254],
    )


class StripeProvider:
    """Card payments for buyers through Stripe Checkout (BRL, USD, EUR)."""

    name = "stripe"
    methods = frozenset({"card"})

    def is_configured(self) -> bool:
        return bool(settings.STRIPE_SECRET_KEY and secrets())

    def create_charge(self, request: ChargeRequest) -> Charge:
        if request.method != "card":
            raise ProviderError(f"method {request.method} not offered by Stripe",
                                permanent=True)
        if request.currency.upper() not in CURRENCIES:
            raise ProviderError(f"currency {request.currency} not offered by Stripe",
                                permanent=True)
        now = int(time.time())
        expires = int(request.expires_at.timestamp()) if request.expires_at else now + SESSION_MAX
        expires = min(max(expires, now + SESSION_MIN), now + SESSION_MAX)
        metadata = {**request.metadata, "payment_id": request.reference}
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [{"quantity": 1, "price_data": {
                "currency": request.currency.lower(), "unit_amount": request.amount_cents,
                "product_data": {"name": request.description[:250] or request.reference}}}],
            "client_reference_id": request.reference,
            "customer_email": request.payer_email or None,
            "success_url": request.return_url, "cancel_url": request.return_url,
            "expires_at": expires,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata,
                                    "description": request.description[:250],
                                    "statement_descriptor_suffix":
                                        request.statement_descriptor[:22]},
        }
        if not params["customer_email"]:
            del params["customer_email"]
        # Keyed by our payment: a retried call gets the first session back, never a second.
        session = _call(_client().v1.checkout.sessions.create, params=params,
                        options={"idempotency_key": f"vitrine-cs-{request.reference}"})
        session = _plain(session)
        intent = {"id": session.get("payment_intent"), "status": "requires_payment_method",
                  "amount": session.get("amount_total")}
        return _to_charge(session, intent, [])

    def _session(self, session_id: str) -> dict:
        client = _client()
        if session_id.startswith("pi_"):  # a PaymentIntent's event: find its session
            found = _call(client.v1.checkout.sessions.list,
                          params={"payment_intent": session_id, "limit": 1})
            data = _plain(found).get("data") or []
            if not data:
                raise ProviderError(f"no Checkout Session for {session_id}", permanent=True,
                                    status=404)
            session_id = data[0]["id"]
        return _plain(_call(client.v1.checkout.sessions.retrieve, session_id,
                            params={"expand": ["payment_intent"]}))

    def get_charge(self, provider_payment_id: str) -> Charge:
        session = self._session(provider_payment_id)
        intent = session.get("payment_intent")
        if not isinstance(intent, dict):
            intent = {"id": intent, "status": "requires_payment_method",
                      "amount": session.get("amount_total")}
        refunds: list[dict] = []
        if intent.get("id") and intent.get("status") == "succeeded":
            listed = _call(_client().v1.refunds.list,
                           params={"payment_intent": intent["id"], "limit": 100})
            refunds = _plain(listed).get("data") or []
        return _to_charge(session, intent, refunds)

    def find_charge(self, reference: str) -> Charge | None:
        # The session id is stored as soon as it exists; a create that failed before we stored
        # it is retried with the same idempotency key, which returns that same session.
        return None

    def refund(self, *, provider_payment_id: str, amount_cents: int | None,
               idempotency_key: str) -> RefundInfo:
        session = self._session(provider_payment_id)
        intent = session.get("payment_intent")
        intent_id = intent.get("id") if isinstance(intent, dict) else intent
        if not intent_id:
            raise ProviderError("nothing was paid on this session", permanent=True)
        params: dict[str, Any] = {"payment_intent": intent_id}
        if amount_cents is not None:
            params["amount"] = amount_cents
        refund = _plain(_call(_client().v1.refunds.create, params=params,
                              options={"idempotency_key": idempotency_key}))
        return RefundInfo(provider_refund_id=str(refund["id"]),
                          amount_cents=int(refund["amount"]))

    def cancel(self, provider_payment_id: str) -> Charge:
        _call(_client().v1.checkout.sessions.expire, provider_payment_id)
        return self.get_charge(provider_payment_id)

    def verify_webhook(self, *, body: bytes, headers: dict[str, str],
                       query: dict[str, str]) -> WebhookNotice:
        """`Stripe-Signature: t=..,v1=..[,v1=..]`: any v1 under any configured secret, with
        `t` within STRIPE_WEBHOOK_TOLERANCE_SECONDS (the SDK's own check, once per secret)."""
        if len(body) > MAX_BODY_BYTES:
            raise WebhookRejected(413, "body over 64 KiB")
        header = {k.lower(): v for k, v in headers.items()}.get("stripe-signature", "")
        keys = secrets()
        if not keys:
            raise WebhookRejected(401, "webhook secret not configured")
        if not header:
            raise WebhookRejected(401, "signature missing")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise WebhookRejected(400, "body is not UTF-8") from None
        fields = [part.strip().split("=", 1) for part in header.split(",") if "=" in part]
        stamps = [v for k, v in fields if k == "t"]
        if len(stamps) != 1 or not stamps[0].isdigit() or not any(k == "v1" for k, _ in fields):
            raise WebhookRejected(401, "signature missing or malformed")
        tolerance = settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
        # The SDK refuses only old timestamps; a clock far ahead is refused as well.
        if abs(time.time() - int(stamps[0])) > tolerance:
            raise WebhookRejected(401, "signature timestamp outside tolerance")
        for secret in keys:
            try:
                stripe.WebhookSignature.verify_header(text, header, secret, tolerance=tolerance)
                break
            except stripe.SignatureVerificationError:
                continue
        else:
            raise WebhookRejected(401, "signature mismatch")
        try:
            event = json.loads(text)
        except ValueError:
            raise WebhookRejected(400, "body is not JSON") from None
        if not isinstance(event, dict) or not isinstance(event.get("id"), str) \
                or not event["id"] or not isinstance(event.get("data"), dict):
            raise WebhookRejected(400, "not a Stripe event")
        obj = event["data"].get("object")
        obj = obj if isinstance(obj, dict) else {}
        return WebhookNotice(event_id=event["id"][:120], topic=str(event.get("type") or "")[:60],
                             action=str(obj.get("object") or "")[:60],
                             data_id=_subject(obj)[:64], payload=event)


def _subject(obj: dict) -> str:
    """The id get_charge() re-reads for an event's object: its session or PaymentIntent."""
    kind = obj.get("object")
    if kind == "dispute":  # re-read as a dispute (disputes app), not as a charge
        return str(obj.get("id") or "")
    if kind == "checkout.session":
        return str(obj.get("id") or "")
    if kind == "payment_intent":
        return str(obj.get("id") or "")
    pi = obj.get("payment_intent")
    return str(pi.get("id") if isinstance(pi, dict) else pi or "")


def get_dispute(dispute_id: str) -> dict:
    """A Stripe Dispute as its API returns it (disputes re-read every `charge.dispute.*`)."""
    return _plain(_call(_client().v1.disputes.retrieve, dispute_id))
