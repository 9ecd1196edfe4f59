from __future__ import annotations

from django.db import transaction

from payments.models import Payment
from payments.registry import Outcome, dispatch


def apply_approval(payment: Payment) -> Payment:
    """Apply the provider's truth the way payments does (reconcile: fetch, transition, dispatch);
    falls back to marking approved and dispatching when that service is not there."""
    try:
        from payments.services import payment_reconcile_one
    except ImportError:
        payment_reconcile_one = None
    if payment_reconcile_one is not None:
        payment_reconcile_one(payment=payment)
    else:
        with transaction.atomic():
            Payment.objects.for_tenant(payment.tenant).filter(pk=payment.pk).update(
                status=Payment.Status.APPROVED)
            payment.refresh_from_db()
            dispatch(payment, Outcome.APPROVED)
    payment.refresh_from_db()
    return payment


def redispatch(payment: Payment, outcome: Outcome = Outcome.APPROVED) -> None:
    """A duplicate delivery: payments calling the handler again for the same payment."""
    with transaction.atomic():
        dispatch(payment, outcome)
