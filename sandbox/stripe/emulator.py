"""Stripe emulator state: Checkout Sessions, PaymentIntents, Charges, Refunds and Events.

Every object starts as a deep copy of Stripe's published fixture for its resource
(fixtures.json, from github.com/stripe/openapi `fixtures3.json`, MIT) and overrides the fields
the emulator drives, so its shape (keys and types) is Stripe's own. Imports nothing of the
platform.
"""

from __future__ import annotations

import copy
import json
import secrets
import time
from pathlib import Path
from typing import Any

FIXTURES: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).with_name("fixtures.json")).read_text())
CURRENCIES = frozenset({"brl", "usd", "eur"})


class StripeError(Exception):
    """Rendered as Stripe's error object: {"error": {"type", "message", "code", "param"}}."""

    def __init__(self, status: int, message: str, *, type_: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = (
            status, message, type_, code, param)

    def to_dict(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
        if self.param:
            error["param"] = self.param
        return {"error": error}


def _id(prefix: str) -> str:
    return f"{prefix}_test_{secrets.token_hex(12)}"


def fixture(resource: str, **fields: Any) -> dict[str, Any]:
    obj = copy.deepcopy(FIXTURES[resource])
    obj.update(fields)
    return obj


class Emulator:
    def __init__(self, *, public_url: str = "") -> None:
        self.public_url = public_url
        self.clock_offset = 0.0
        self.sessions: dict[str, dict[str, Any]] = {}
        self.intents: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.disputes: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        # idempotency key -> (request fingerprint, status, body)
        self.idempotency: dict[str, tuple[str, int, dict[str, Any]]] = {}
        self.listeners: list[Any] = []  # callables(event) -> None (the notifier)
        self._line_items: dict[str, dict[str, Any]] = {}

    def now(self) -> int:
        return int(time.time() + self.clock_offset)

    # -- events -------------------------------------------------------------------------
    def emit(self, type_: str, obj: dict[str, Any]) -> dict[str, Any]:
        event = fixture("event", id=_id("evt"), type=type_, created=self.now(),
                        data={"object": copy.deepcopy(obj)}, api_version="2025-01-27.acacia",
                        pending_webhooks=1, request={"id": _id("req"), "idempotency_key": None})
        self.events.append(event)
        for listener in self.listeners:
            listener(event)
        return event

    # -- Checkout Sessions ----------------------------------------------------------------
    def create_session(self, params: dict[str, Any], base_url: str) -> dict[str, Any]:
        if params.get("mode") != "payment":
            raise StripeError(400, "Only mode=payment is emulated.", param="mode")
        items = params.get("line_items")
        if not isinstance(items, list) or len(items) != 1:
            raise StripeError(400, "Exactly one line item is emulated.", param="line_items")
        item = items[0] if isinstance(items[0], dict) else {}
        price = item.get("price_data") if isinstance(item.get("price_data"), dict) else {}
        currency = str(price.get("currency") or "").lower()
        if currency not in CURRENCIES:
            raise StripeError(400, f"Invalid currency: {currency or 'missing'}.",
                              param="line_items[0][price_data][currency]")
        try:
            unit = int(price.get("unit_amount"))
            quantity = int(item.get("quantity") or 1)
        except (TypeError, ValueError):
            raise StripeError(400, "Invalid integer: unit_amount.",
                              param="line_items[0][price_data][unit_amount]") from None
        if unit <= 0 or quantity <= 0:
            raise StripeError(400, "This value must be greater than or equal to 1.",
                              param="line_items[0][price_data][unit_amount]")
        for url in ("success_url", "cancel_url"):
            if not str(params.get(url) or "").startswith(("http://", "https://")):
                raise StripeError(400, f"Not a valid URL: {url}.", param=url)
        amount = unit * quantity
        metadata = params.get("metadata") if isinstance(params.get("metadata"), dict) else {}
        pi_data = params.get("payment_intent_data") or {}
        pi_metadata = pi_data.get("metadata") if isinstance(pi_data, dict) else None
        now = self.now()
        try:
            expires_at = int(params.get("expires_at") or now + 24 * 3600)
        except (TypeError, ValueError):
            raise StripeError(400, "Invalid integer: expires_at.", param="expires_at") from None
        intent = fixture(
            "payment_intent", id=_id("pi"), amount=amount, amount_received=0, currency=currency,
            created=now, canceled_at=None, cancellation_reason=None, last_payment_error=None,
            next_action=None, processing=None, status="requires_payment_method",
            metadata=dict(pi_metadata if isinstance(pi_metadata, dict) else metadata),
            description=pi_data.get("description") if isinstance(pi_data, dict) else None,
            transfer_data=None, latest_charge=None)
        intent["client_secret"] = f"{intent['id']}_secret_{secrets.token_hex(8)}"
        self.intents[intent["id"]] = intent
        sid = _id("cs")
        session = fixture(
            "checkout.session", id=sid, created=now, expires_at=expires_at, status="open",
            payment_status="unpaid", amount_subtotal=amount, amount_total=amount,
            currency=currency, mode="payment", metadata=dict(metadata),
            client_reference_id=params.get("client_reference_id"),
            customer_email=params.get("customer_email"), payment_intent=intent["id"],
            success_url=params["success_url"], cancel_url=params["cancel_url"],
            url=f"{self.public_url or base_url}/c/pay/{sid}", customer_details=None,
            shipping_cost=None, currency_conversion=None,
            total_details={"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0})
        self.sessions[sid] = session
        self._line_items[sid] = {"description": (price.get("product_data") or {}).get("name"),
                                 "amount": amount}
        return session

    def session(self, sid: str) -> dict[str, Any]:
        self.expire_due()
        if sid not in self.sessions:
            raise StripeError(404, f"No such checkout.session: '{sid}'", code="resource_missing",
                              param="session")
        return self.sessions[sid]

    def pay(self, sid: str, *, decline: bool = False) -> dict[str, Any]:
        """The buyer pressed Pay on the hosted page (or the control API did)."""
        session = self.session(sid)
        if session["status"] != "open":
            raise StripeError(400, f"This Checkout Session is {session['status']}.",
                              code="checkout_session_not_open")
        intent = self.intents[session["payment_intent"]]
        if decline:
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = {"type": "card_error", "code": "card_declined",
                                            "decline_code": "generic_decline",
                                            "message": "Your card was declined."}
            self.emit("payment_intent.payment_failed", intent)
            return session
        charge = fixture(
            "charge", id=_id("ch"), amount=intent["amount"], amount_captured=intent["amount"],
            amount_refunded=0, captured=True, paid=True, refunded=False, disputed=False,
            currency=intent["currency"], created=self.now(), payment_intent=intent["id"],
            metadata=dict(intent["metadata"]), status="succeeded", balance_transaction=None)
        self.charges[charge["id"]] = charge
        intent.update(status="succeeded", amount_received=intent["amount"],
                      latest_charge=charge["id"], last_payment_error=None)
        session.update(status="complete", payment_status="paid")
        self.emit("charge.succeeded", charge)
        self.emit("payment_intent.succeeded", intent)
        self.emit("checkout.session.completed", session)
        return session

    def expire_session(self, sid: str) -> dict[str, Any]:
        session = self.session(sid)
        if session["status"] != "open":
            raise StripeError(400, f"Only open Checkout Sessions can be expired; this one is "
                                   f"{session['status']}.", code="checkout_session_not_open")
        return self._expire(session)

    def _expire(self, session: dict[str, Any]) -> dict[str, Any]:
        session.update(status="expired", url=None)
        intent = self.intents[session["payment_intent"]]
        intent.update(status="canceled", canceled_at=self.now(), cancellation_reason="abandoned")
        self.emit("payment_intent.canceled", intent)
        self.emit("checkout.session.expired", session)
        return session

    def expire_due(self) -> None:
        now = self.now()
        for session in list(self.sessions.values()):
            if session["status"] == "open" and session["expires_at"] <= now:
                self._expire(session)

    # -- PaymentIntents -------------------------------------------------------------------
    def intent(self, pid: str) -> dict[str, Any]:
        if pid not in self.intents:
            raise StripeError(404, f"No such payment_intent: '{pid}'", code="resource_missing",
                              param="intent")
        return self.intents[pid]

    def cancel_intent(self, pid: str) -> dict[str, Any]:
        intent = self.intent(pid)
        if intent["status"] in ("succeeded", "canceled"):
            raise StripeError(400, f"You cannot cancel this PaymentIntent because it has a "
                                   f"status of {intent['status']}.",
                              code="payment_intent_unexpected_state")
        for session in self.sessions.values():
            if session["payment_intent"] == pid and session["status"] == "open":
                self._expire(session)
                return intent
        intent.update(status="canceled", canceled_at=self.now(),
                      cancellation_reason="requested_by_customer")
        self.emit("payment_intent.canceled", intent)
        return intent

    # -- Refunds --------------------------------------------------------------------------
    def create_refund(self, params: dict[str, Any]) -> dict[str, Any]:
        pid = params.get("payment_intent")
        charge_id = params.get("charge")
        if pid:
            intent = self.intent(str(pid))
            charge_id = intent["latest_charge"]
        if not charge_id or charge_id not in self.charges:
            raise StripeError(400, "This PaymentIntent does not have a successful charge to "
                                   "refund.", code="charge_not_refundable",
                              param="payment_intent")
        charge = self.charges[charge_id]
        left = charge["amount"] - charge["amount_refunded"]
        try:
            amount = int(params["amount"]) if params.get("amount") not in (None, "") else left
        except (TypeError, ValueError):
            raise StripeError(400, "Invalid integer: amount.", param="amount") from None
        if left <= 0:
            raise StripeError(400, f"Charge {charge_id} has already been refunded.",
                              code="charge_already_refunded")
        if amount <= 0 or amount > left:
            raise StripeError(400, f"Refund amount ({amount}) is greater than unrefunded "
                                   f"amount on charge ({left})", code="amount_too_large",
                              param="amount")
        metadata = params.get("metadata") if isinstance(params.get("metadata"), dict) else {}
        refund = fixture("refund", id=_id("re"), amount=amount, charge=charge_id,
                         currency=charge["currency"], created=self.now(),
                         payment_intent=charge["payment_intent"], status="succeeded",
                         reason=params.get("reason"), metadata=dict(metadata),
                         balance_transaction=None)
        self.refunds[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        self.emit("refund.created", refund)
        self.emit("charge.refunded", charge)
        return refund

    def refund(self, rid: str) -> dict[str, Any]:
        if rid not in self.refunds:
            raise StripeError(404, f"No such refund: '{rid}'", code="resource_missing",
                              param="refund")
        return self.refunds[rid]

    def list_refunds(self, *, payment_intent: str | None) -> dict[str, Any]:
        items = [r for r in self.refunds.values()
                 if payment_intent is None or r["payment_intent"] == payment_intent]
        items.sort(key=lambda r: r["created"], reverse=True)
        return {"object": "list", "data": items, "has_more": False, "url": "/v1/refunds"}

    def charge(self, cid: str) -> dict[str, Any]:
        if cid not in self.charges:
            raise StripeError(404, f"No such charge: '{cid}'", code="resource_missing")
        return self.charges[cid]

    # -- Disputes (the cardholder's bank) --------------------------------------------------
    def open_dispute(self, *, payment_intent: str = "", charge: str = "",
                     reason: str = "fraudulent") -> dict[str, Any]:
        """A chargeback: `charge.dispute.created`, then `charge.dispute.funds_withdrawn` (Stripe
        takes the amount from the balance), evidence due in 7 days."""
        if payment_intent:
            charge = self.intent(payment_intent).get("latest_charge") or ""
        if charge not in self.charges:
            raise StripeError(400, "This charge cannot be disputed.", param="charge")
        found = self.charges[charge]
        if found.get("disputed"):
            raise StripeError(400, f"Charge {charge} is already disputed.")
        now = self.now()
        dispute = fixture(
            "dispute", id=_id("dp"), amount=found["amount"] - found["amount_refunded"],
            charge=charge, currency=found["currency"], created=now,
            payment_intent=found["payment_intent"], reason=reason, status="needs_response",
            is_charge_refundable=False, metadata={}, balance_transactions=[],
            evidence_details={**FIXTURES["dispute"]["evidence_details"],
                              "due_by": now + 7 * 86400, "past_due": False})
        self.disputes[dispute["id"]] = dispute
        found["disputed"] = True
        self.emit("charge.dispute.created", dispute)
        self.emit("charge.dispute.funds_withdrawn", dispute)
        return dispute

    def close_dispute(self, did: str, *, won: bool) -> dict[str, Any]:
        dispute = self.dispute(did)
        if dispute["status"] in ("won", "lost"):
            raise StripeError(400, f"Dispute {did} is already closed.")
        dispute["status"] = "won" if won else "lost"
        self.emit("charge.dispute.closed", dispute)
        if won:
            self.emit("charge.dispute.funds_reinstated", dispute)
        return dispute

    def dispute(self, did: str) -> dict[str, Any]:
        if did not in self.disputes:
            raise StripeError(404, f"No such dispute: '{did}'", code="resource_missing",
                              param="dispute")
        return self.disputes[did]

    def list_disputes(self, *, payment_intent: str | None) -> dict[str, Any]:
        items = [d for d in self.disputes.values()
                 if payment_intent is None or d["payment_intent"] == payment_intent]
        items.sort(key=lambda d: d["created"], reverse=True)
        return {"object": "list", "data": items, "has_more": False, "url": "/v1/disputes"}

    def event(self, eid: str) -> dict[str, Any]:
        for event in self.events:
            if event["id"] == eid:
                return event
        raise StripeError(404, f"No such event: '{eid}'", code="resource_missing")
