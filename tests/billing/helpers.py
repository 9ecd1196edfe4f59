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


def bot_plan(tenant):
    """What the runtime controller would do with the tenant's bot now (no engine needed)."""
    from django.utils import timezone

    from runtime.controller import plan
    from runtime.services import runtime_for

    runtime = runtime_for(tenant=tenant)
    return runtime, plan(runtime, None, timezone.now(), "spec")
