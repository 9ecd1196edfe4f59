from __future__ import annotations

from django.db import transaction

from payments.models import Payment
from payments.registry import Outcome, dispatch
from payments.services import payment_reconcile_one


def apply_approval(payment: Payment) -> Payment:
    """Apply the provider's truth the way payments does (reconcile: fetch, transition,
    dispatch)."""
    payment_reconcile_one(payment=payment)
    payment.refresh_from_db()
    return payment


def redispatch(payment: Payment, outcome: Outcome = Outcome.APPROVED) -> None:
    """A duplicate delivery: payments calling the handler again for the same payment."""
    with transaction.atomic():
        dispatch(payment, outcome)
