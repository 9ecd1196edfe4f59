"""The provider's view of a dispute, re-read from its API (never from a notification's body).

- Mercado Pago card chargebacks: GET /v1/chargebacks/{id}. `coverage_applied` is null while
  the case is open, true when it was decided for the seller (the money comes back), false
  against; `date_documentation_deadline` is the last day to send documentation.
- Mercado Pago PIX MED returns: GET /post-purchase/v1/claims/{id}, a claim on the payment
  (`resource: "payment"`). Closed claims carry `resolution.benefited`: the respondent (us)
  won, the complainant (the payer) got the money back. The respondent's `available_actions`
  `due_date` is the answer deadline.
- Stripe: GET /v1/disputes/{id}; `status` won / lost (warning_closed: an inquiry that closed
  without a chargeback, kept by the seller); `evidence_details.due_by` is the deadline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.utils.dateparse import parse_datetime

from payments.providers import mercadopago as mp
from payments.providers import stripe_checkout

# When the provider names no deadline: card networks give the seller about 10 days, and the
# Central Bank gives the receiving bank 7 days to analyse a MED.
DEFAULT_DEADLINE = {"chargeback": timedelta(days=10), "med": timedelta(days=7)}


@dataclass(frozen=True)
class DisputeTruth:
    provider: str
    external_id: str
    kind: str  # "chargeback" or "med"
    provider_payment_id: str
    amount_cents: int | None
    currency: str
    reason: str
    deadline_at: datetime | None
    outcome: str  # "" while open, "won" or "lost"
    status: str  # the provider's own words, shown to the owner and operators
    raw: dict = field(default_factory=dict)


def _date(value: object) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None


def mp_chargeback(chargeback_id: str) -> DisputeTruth:
    data = mp.get_chargeback(chargeback_id)
    payments = data.get("payments") or []
    first = payments[0] if payments else ""
    payment_id = first.get("id", "") if isinstance(first, dict) else first
    covered = data.get("coverage_applied")
    outcome = {True: "won", False: "lost"}.get(covered, "") if isinstance(covered, bool) else ""
    amount = data.get("amount")
    return DisputeTruth(
        provider="mercadopago", external_id=str(data.get("id") or chargeback_id),
        kind="chargeback", provider_payment_id=str(payment_id),
        amount_cents=mp.amount_to_cents(amount) if amount not in (None, "") else None,
        currency=str(data.get("currency") or "BRL").upper(),
        reason=str(data.get("reason") or "")[:120],
        deadline_at=_date(data.get("date_documentation_deadline")), outcome=outcome,
        status=str(data.get("documentation_status") or "")[:60], raw=data)


def mp_claim(claim_id: str) -> DisputeTruth:
    data = mp.get_claim(claim_id)
    resolution = data.get("resolution") or {}
    benefited = resolution.get("benefited") or []
    outcome = ""
    if data.get("status") == "closed":
        outcome = "won" if "respondent" in benefited else "lost"
    deadline = None
    for player in data.get("players") or []:
        if player.get("role") == "respondent":
            dues = [_date(a.get("due_date")) for a in player.get("available_actions") or []]
            dues = [d for d in dues if d is not None]
            deadline = min(dues) if dues else None
    resource_id = data.get("resource_id") if data.get("resource") == "payment" else ""
    return DisputeTruth(
        provider="mercadopago", external_id=f"claim-{data.get('id') or claim_id}", kind="med",
        provider_payment_id=str(resource_id or ""), amount_cents=None, currency="BRL",
        reason=str(data.get("reason_id") or "")[:120], deadline_at=deadline, outcome=outcome,
        status=f"{data.get('stage') or ''} {data.get('status') or ''}".strip()[:60], raw=data)


def stripe_dispute(dispute_id: str) -> DisputeTruth:
    data = stripe_checkout.get_dispute(dispute_id)
    status = str(data.get("status") or "")
    outcome = {"won": "won", "warning_closed": "won", "lost": "lost"}.get(status, "")
    due = (data.get("evidence_details") or {}).get("due_by")
    intent = data.get("payment_intent")
    intent = intent.get("id") if isinstance(intent, dict) else intent
    return DisputeTruth(
        provider="stripe", external_id=str(data.get("id") or dispute_id), kind="chargeback",
        provider_payment_id=str(intent or ""), amount_cents=int(data.get("amount") or 0) or None,
        currency=str(data.get("currency") or "").upper(),
        reason=str(data.get("reason") or "")[:120],
        deadline_at=datetime.fromtimestamp(int(due), tz=UTC) if isinstance(due, int) else None,
        outcome=outcome, status=status[:60], raw=data)
