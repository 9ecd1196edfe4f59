"""Payment documents: validation of create requests, the MP-shaped JSON, status changes.

Pure functions over dicts; ``emulator.Emulator`` decides when to call them and fires the
webhooks. Amounts are Decimals internally and rendered as JSON numbers.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import MPError, bad_request
from .store import iso

CENT = Decimal("0.01")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CARD_METHODS = {
    "visa": "credit_card",
    "master": "credit_card",
    "amex": "credit_card",
    "elo": "credit_card",
    "hipercard": "credit_card",
    "debvisa": "debit_card",
    "debmaster": "debit_card",
    "debelo": "debit_card",
}
# Mercado Pago's test-card convention: the cardholder name decides the outcome. The
# emulator reads the code from the card token (or payer.first_name), default APRO.
CARD_OUTCOMES: dict[str, tuple[str, str]] = {
    "APRO": ("approved", "accredited"),
    "CONT": ("in_process", "pending_contingency"),
    "OTHE": ("rejected", "cc_rejected_other_reason"),
    "CALL": ("rejected", "cc_rejected_call_for_authorize"),
    "FUND": ("rejected", "cc_rejected_insufficient_amount"),
    "SECU": ("rejected", "cc_rejected_bad_filled_security_code"),
    "EXPI": ("rejected", "cc_rejected_bad_filled_date"),
    "FORM": ("rejected", "cc_rejected_bad_filled_other"),
}
OPEN_STATUSES = {"pending", "in_process", "authorized"}
PIX_DEFAULT_TTL = timedelta(hours=24)


def parse_amount(value: Any, field: str = "transaction_amount") -> Decimal:
    """MP rejects missing, non-numeric and non-positive amounts with 400."""
    if value is None:
        raise bad_request(4037, f"{field} attribute can't be null")
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise bad_request(4037, f"Invalid {field}")
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except InvalidOperation as exc:
        raise bad_request(4037, f"Invalid {field}") from exc
    if amount <= 0:
        raise bad_request(4049, f"The parameter {field} must be positive")
    return amount


def validate_create(body: Any) -> dict[str, Any]:
    """Check a POST /v1/payments body; return the normalised pieces the builder needs."""
    if not isinstance(body, dict):
        raise bad_request(400, "The body must be a JSON object", "bad_request")
    amount = parse_amount(body.get("transaction_amount"))
    method = body.get("payment_method_id")
    if not method:
        raise bad_request(4033, "payment_method_id attribute can't be null")
    payer = body.get("payer") or {}
    if not isinstance(payer, dict):
        raise bad_request(4050, "payer must be an object")
    if method == "pix":
        if not EMAIL_RE.match(str(payer.get("email") or "")):
            raise bad_request(4050, "payer.email must be a valid email")
        kind = "bank_transfer"
    elif method in CARD_METHODS:
        if not body.get("token"):
            raise bad_request(2006, "Card Token not found", "Invalid card_token_id")
        kind = CARD_METHODS[method]
    else:
        raise bad_request(4033, f"payment_method_id {method!r} not found", "Invalid payment_method")
    url = body.get("notification_url")
    if url is not None and not re.match(r"^https?://", str(url)):
        raise bad_request(4020, "notification_url attribute must be url valid")
    expiration = body.get("date_of_expiration")
    if expiration is not None and not isinstance(expiration, str):
        raise bad_request(4051, "date_of_expiration must be a date string")
    return {"amount": amount, "method": method, "type": kind, "payer": payer}


def card_outcome(body: dict[str, Any]) -> tuple[str, str]:
    haystack = f"{body.get('token', '')} {(body.get('payer') or {}).get('first_name', '')}"
    for code, outcome in CARD_OUTCOMES.items():
        if code in haystack.upper():
            return outcome
    return CARD_OUTCOMES["APRO"]


def build_payment(
    *,
    payment_id: int,
    body: dict[str, Any],
    checked: dict[str, Any],
    collector_id: int,
    now: datetime,
    expiration: datetime | None,
) -> dict[str, Any]:
    """The full payment document in the shape GET /v1/payments/{id} returns."""
    payer = checked["payer"]
    stamp = iso(now)
    return {
        "id": payment_id,
        "date_created": stamp,
        "date_approved": None,
        "date_last_updated": stamp,
        "date_of_expiration": iso(expiration) if expiration else None,
        "money_release_date": None,
        "money_release_status": None,
        "operation_type": "regular_payment",
        "issuer_id": None if checked["method"] == "pix" else "25",
        "payment_method_id": checked["method"],
        "payment_type_id": checked["type"],
        "payment_method": {"id": checked["method"], "type": checked["type"], "issuer_id": None},
        "status": "pending",
        "status_detail": "pending_waiting_transfer",
        "currency_id": "BRL",
        "description": body.get("description"),
        "live_mode": False,
        "sponsor_id": None,
        "authorization_code": None,
        "collector_id": collector_id,
        "payer": {
            "id": None,
            "email": payer.get("email"),
            "first_name": payer.get("first_name"),
            "last_name": payer.get("last_name"),
            "identification": payer.get("identification") or {"type": None, "number": None},
            "type": None,
            "entity_type": payer.get("entity_type"),
        },
        "metadata": body.get("metadata") or {},
        "additional_info": body.get("additional_info") or {},
        "order": {},
        "external_reference": body.get("external_reference"),
        "transaction_amount": checked["amount"],
        "transaction_amount_refunded": Decimal("0.00"),
        "coupon_amount": 0,
        "installments": int(body.get("installments") or 1),
        "transaction_details": _transaction_details(checked["amount"]),
        "fee_details": [],
        "charges_details": [],
        "captured": True,
        "binary_mode": bool(body.get("binary_mode", False)),
        "statement_descriptor": body.get("statement_descriptor"),
        "notification_url": body.get("notification_url"),
        "refunds": [],
        "processing_mode": "aggregator",
        "merchant_account_id": None,
        "point_of_interaction": {},
        "card": {},
        "taxes_amount": 0,
        "shipping_amount": 0,
        "counter_currency": None,
    }


def _transaction_details(amount: Decimal) -> dict[str, Any]:
    return {
        "net_received_amount": Decimal("0.00"),
        "total_paid_amount": amount,
        "overpaid_amount": 0,
        "installment_amount": amount,
        "financial_institution": None,
        "payment_method_reference_id": None,
        "external_resource_url": None,
        "acquirer_reference": None,
        "payable_deferral_period": None,
    }


def set_status(payment: dict[str, Any], status: str, detail: str, now: datetime) -> None:
    payment["status"] = status
    payment["status_detail"] = detail
    payment["date_last_updated"] = iso(now)


def approve(payment: dict[str, Any], now: datetime, fee_rate: Decimal) -> None:
    """Accredit: fees are charged and money release is scheduled, like a real approval."""
    set_status(payment, "approved", "accredited", now)
    amount: Decimal = payment["transaction_amount"]
    fee = (amount * fee_rate).quantize(CENT)
    payment["date_approved"] = iso(now)
    payment["money_release_date"] = iso(now + timedelta(days=30 if fee_rate > 0.02 else 0))
    payment["money_release_status"] = "pending"
    payment["fee_details"] = [{"type": "mercadopago_fee", "amount": fee, "fee_payer": "collector"}]
    payment["transaction_details"]["net_received_amount"] = amount - fee
    if payment["payment_method_id"] != "pix":
        payment["authorization_code"] = f"{payment['id'] % 1_000_000:06d}"


def require_status(payment: dict[str, Any], allowed: set[str], action: str) -> None:
    if payment["status"] not in allowed:
        raise MPError(
            400,
            f"Payment {payment['id']} can't be {action} (status {payment['status']})",
            "bad_request",
            [{"code": 4305, "description": "Invalid payment status", "data": None}],
        )


def refundable_left(payment: dict[str, Any]) -> Decimal:
    return payment["transaction_amount"] - payment["transaction_amount_refunded"]


def add_refund(
    payment: dict[str, Any], refund_id: int, amount: Decimal | None, now: datetime
) -> dict[str, Any]:
    """Record a refund; full refunds (or partials summing up) move the payment to refunded."""
    require_status(payment, {"approved"}, "refunded")
    left = refundable_left(payment)
    amount = left if amount is None else amount
    if amount > left:
        raise bad_request(
            4212, "The amount to refund exceeds the available amount", "Invalid refund amount"
        )
    refund = {
        "id": refund_id,
        "payment_id": payment["id"],
        "amount": amount,
        "amount_refunded_to_payer": amount,
        "metadata": {},
        "source": {"id": str(payment["collector_id"]), "name": "collector", "type": "collector"},
        "date_created": iso(now),
        "unique_sequence_number": None,
        "refund_mode": "standard",
        "adjustment_amount": 0,
        "status": "approved",
        "reason": None,
    }
    payment["refunds"].append(refund)
    payment["transaction_amount_refunded"] += amount
    if refundable_left(payment) == 0:
        set_status(payment, "refunded", "refunded", now)
    else:
        set_status(payment, "approved", "partially_refunded", now)
    return refund
