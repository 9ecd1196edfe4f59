"""The payment state machine: provider truth in, exactly one transition (and outcome) out.

Every transition is a conditional `UPDATE ... WHERE status IN (allowed sources)` whose row
count says whether this caller made it; only that caller writes the audit line and calls
`registry.dispatch`, in the same transaction. Two workers applying the same notification, a
duplicate, a retry or a late out-of-order delivery therefore end in one state with one set of
side effects (DESIGN.md rules 3 and 4).
"""

from __future__ import annotations

import structlog
from django.core.mail import mail_admins
from django.db import transaction
from django.utils import timezone

import audit
from config.metrics import PAYMENT_TRANSITIONS
from payments import providers, registry
from payments.models import Payment, Refund
from payments.providers import mercadopago as mp
from payments.providers.base import Charge, ProviderError
from payments.registry import Outcome

log = structlog.get_logger(__name__)
S = Payment.Status

# to-status -> the statuses it may come from. Anything else is a no-op (already there, or a
# stale notification arriving after a later state).
ALLOWED: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.CREATED, S.REJECTED}),
    S.IN_PROCESS: frozenset({S.CREATED, S.PENDING, S.REJECTED}),
    S.REJECTED: frozenset({S.CREATED, S.PENDING, S.IN_PROCESS}),
    # Money arriving after our expiry is still money: the payable's handler decides what to do.
    S.APPROVED: frozenset({S.CREATED, S.PENDING, S.IN_PROCESS, S.REJECTED, S.CANCELLED,
                           S.EXPIRED}),
    S.CANCELLED: frozenset({S.CREATED, S.PENDING, S.IN_PROCESS}),
    S.EXPIRED: frozenset({S.CREATED, S.PENDING, S.IN_PROCESS}),
    S.REFUNDED: frozenset({S.APPROVED}),
    S.CHARGED_BACK: frozenset({S.APPROVED}),
    S.REVIEW: frozenset({S.CREATED, S.PENDING, S.IN_PROCESS, S.REJECTED, S.CANCELLED,
                         S.EXPIRED}),
}
OUTCOMES: dict[str, Outcome] = {
    S.APPROVED: Outcome.APPROVED, S.REFUNDED: Outcome.REFUNDED,
    S.CHARGED_BACK: Outcome.CHARGED_BACK, S.CANCELLED: Outcome.CANCELLED,
    S.EXPIRED: Outcome.EXPIRED,
}


class UnknownPayment(LookupError):
    """The provider payment does not exist, or carries no reference we know."""


# savepoint=False (here and in payment_apply_charge): inside a caller's transaction an error
# already rolls the caller's block back (a webhook batch gives each event its own savepoint);
# two more savepoints per event were four round trips on the drain's path for nothing.
@transaction.atomic(savepoint=False)
def payment_transition(*, payment: Payment, to: str, detail: str = "", actor=None,
                       reason: str = "", **fields) -> bool:
    """Move `payment` to `to` if its current status allows it. True when this call did it."""
    now = timezone.now()
    values = {"status": to, "updated_at": now, **fields}
    if detail:
        values["status_detail"] = detail[:80]
    if to == S.APPROVED:
        values["approved_at"] = now
    changed = (Payment.objects.for_tenant(payment.tenant_id)
               .filter(pk=payment.pk, status__in=ALLOWED[to]).update(**values))
    if changed != 1:
        return False
    before = payment.status
    # Re-read with the shop and the payable's type joined: a plain refresh drops them, and the
    # audit line and the dispatch below would each pay one more round trip to load them again.
    payment.refresh_from_db(from_queryset=Payment.objects.for_tenant(payment.tenant_id)
                            .select_related("tenant", "payable_type"))
    audit.record(actor=actor, tenant=payment.tenant, action=f"payment.{to}", target=payment,
                 data={"from": before, "to": to, "detail": payment.status_detail,
                       "reason": reason[:300]})
    if to in OUTCOMES:
        registry.dispatch(payment, OUTCOMES[to])
    PAYMENT_TRANSITIONS.labels(status=to).inc()
    return True


def target_status(payment: Payment, charge: Charge) -> str | None:
    """Our status for the provider's charge (None: nothing to do). The provider maps its own
    statuses; a cancellation past our expiry is an expiry whoever cancelled."""
    if charge.status == S.CANCELLED:
        past_expiry = payment.expires_at is not None and timezone.now() >= payment.expires_at
        return S.EXPIRED if past_expiry else S.CANCELLED
    return charge.status


def mismatch(payment: Payment, charge: Charge) -> str:
    """Why the provider's charge does not match our record ("" when it does)."""
    if charge.amount_cents is None:
        return "amount missing"
    if charge.amount_cents != payment.amount_cents:
        return f"amount {charge.amount_cents} != {payment.amount_cents}"
    if charge.currency != payment.currency:
        return f"currency {charge.currency!r} != {payment.currency!r}"
    if charge.reference != str(payment.pk):
        return f"external_reference {charge.reference!r} != {payment.pk}"
    if charge.tenant_id and charge.tenant_id != str(payment.tenant_id):
        return f"metadata tenant {charge.tenant_id} != {payment.tenant_id}"
    if (payment.settles_at_provider and charge.status == S.APPROVED
            and charge.application_fee_cents != payment.application_fee_cents):
        # The split is the platform's revenue: a sale without our fee is not delivered.
        return (f"application_fee {charge.application_fee_cents} != "
                f"{payment.application_fee_cents}")
    return ""


def flag_review(*, payment: Payment, reason: str, data: dict | None = None) -> bool:
    """No fulfillment; operators are alerted (error log -> Sentry, audit line)."""
    log.error("payment.review", payment_id=payment.pk, tenant_id=payment.tenant_id,
              reason=reason)
    moved = payment_transition(payment=payment, to=S.REVIEW, reason=reason,
                               review_reason=reason[:200])
    if moved:
        pk, tenant_id = payment.pk, payment.tenant_id
        transaction.on_commit(lambda: _alert_operators(pk, tenant_id, reason))
    if not moved:
        audit.record(actor=None, tenant=payment.tenant, action="payment.mismatch",
                     target=payment, data={"reason": reason, "status": payment.status,
                                           "provider_id": str((data or {}).get("id", ""))})
    return moved


def _alert_operators(payment_id: int, tenant_id: int, reason: str) -> None:
    """Email settings.ADMINS (operators); a mail failure must not undo or retry the review."""
    try:
        mail_admins(f"Payment {payment_id} needs review",
                    f"Payment {payment_id} (tenant {tenant_id}) was flagged for review: "
                    f"{reason}\nNo fulfillment happens until an operator looks at it.")
    except Exception:  # alerting is best effort; the audit line stays
        log.exception("payment.review_alert_failed", payment_id=payment_id)


def payment_apply_provider_state(*, payment: Payment, data: dict) -> Payment:
    """Apply a Mercado Pago payment as its API returns it (kept for callers holding MP JSON)."""
    return payment_apply_charge(payment=payment, charge=mp.to_charge(data))


@transaction.atomic(savepoint=False)
def payment_apply_charge(*, payment: Payment, charge: Charge) -> Payment:
    """Apply the provider's view of a charge (always re-read from its API, never a body)."""
    problem = mismatch(payment, charge)
    if problem:
        flag_review(payment=payment, reason=problem,
                    data={"id": charge.provider_payment_id})
        payment.refresh_from_db()
        return payment
    _sync_refunds(payment=payment, charge=charge)
    target = target_status(payment, charge)
    if target is None or target == payment.status:
        return payment
    bind = ({"provider_payment_id": charge.provider_payment_id}
            if charge.provider_payment_id else {})
    if charge.payer_email and charge.payer_email != payment.payer_email:
        # Written with the transition, so the payable's handler (trust's paid gate) sees it.
        bind["payer_email"] = charge.payer_email
    detail = charge.status_detail
    if target in (S.REFUNDED, S.CHARGED_BACK) and payment.status in ALLOWED[S.APPROVED]:
        # Approved and refunded before we heard of either: record both, in order, so the
        # payable sees a sale and its reversal (one each), never a reversal of nothing.
        payment_transition(payment=payment, to=S.APPROVED, detail="accredited", **bind)
    if not payment_transition(payment=payment, to=target, detail=detail, **bind):
        payment.refresh_from_db()  # another worker moved it first: its state, not ours
    return payment  # a transition re-read it already


def _sync_refunds(*, payment: Payment, charge: Charge) -> None:
    """Record the provider's refunds we have not seen (made in its dashboard or by us)."""
    refunds, refunded = charge.refunds, charge.refunded_cents
    if not refunds and refunded == payment.refunded_cents:
        return
    # The row lock serializes this with payment_refund(), which records the same refunds.
    Payment.objects.for_tenant(payment.tenant_id).select_for_update().get(pk=payment.pk)
    known = set(Refund.objects.for_tenant(payment.tenant_id).filter(payment=payment)
                .values_list("provider_refund_id", flat=True))
    added = False
    for item in refunds:
        rid, cents = item.provider_refund_id, item.amount_cents
        if not rid or rid in known:
            continue
        if cents <= 0:
            continue
        refund = Refund.objects.create(tenant_id=payment.tenant_id, payment=payment,
                                       provider_refund_id=rid, amount_cents=cents,
                                       partial=cents < payment.amount_cents,
                                       source=Refund.Source.PROVIDER)
        audit.record(actor=None, tenant=payment.tenant, action="payment.refund", target=payment,
                     data={"refund": refund.pk, "provider_refund_id": rid,
                           "amount_cents": cents, "partial": refund.partial,
                           "source": "provider"})
        added = True
    if refunded != payment.refunded_cents:
        Payment.objects.for_tenant(payment.tenant_id).filter(pk=payment.pk).update(
            refunded_cents=refunded)
        payment.refunded_cents = refunded
    if added:
        refund_dispatch(payment=payment)


def refund_dispatch(*, payment: Payment) -> None:
    """Tell the payable a refund was recorded (inside the caller's transaction). Only once the
    sale exists: refunds seen before the approval are picked up by the `approved` handler."""
    payment.refresh_from_db()
    if payment.status in (S.APPROVED, S.REFUNDED, S.CHARGED_BACK):
        registry.dispatch(payment, Outcome.REFUND)


def payment_resolve(charge: Charge, provider: str = Payment.Provider.MERCADOPAGO
                    ) -> Payment | None:
    """Our Payment for a provider payment: by its id, else by its external_reference.

    A reference that names a row which cannot take this provider payment (a PIX row already
    bound to another charge, or another tenant's row by the metadata) resolves to nothing:
    audited and alerted, and that row is left alone.
    """
    pid, ref = charge.provider_payment_id, charge.reference
    rows = Payment.objects.unscoped().select_related("tenant", "payable_type")
    row = rows.filter(provider=provider, provider_payment_id=pid).first() if pid else None
    if row is not None:
        return row
    row = rows.filter(pk=int(ref), provider=provider).first() \
        if ref.isascii() and ref.isdigit() and len(ref) < 18 else None
    if row is None:
        return None
    tenant_id = charge.tenant_id
    foreign = tenant_id not in (None, "") and str(tenant_id) != str(row.tenant_id)
    bound_elsewhere = row.method != Payment.Method.CARD and row.provider_payment_id not in ("",
                                                                                         pid)
    if foreign or bound_elsewhere:
        reason = "reference of another tenant" if foreign else "reference bound to another charge"
        log.error("payment.reference_mismatch", provider_payment_id=pid, payment_id=row.pk,
                  reason=reason)
        audit.record(actor=None, tenant=row.tenant, action="payment.reference_mismatch",
                     target=row, data={"provider_payment_id": pid, "reason": reason,
                                       "claimed_tenant": str(tenant_id or "")})
        raise UnknownPayment(reason)
    return row


def charge_fetch(*, provider_payment_id: str, provider: str = Payment.Provider.MERCADOPAGO,
                 account: str = "", tenant_id: int | None = None) -> Charge:
    """Read one charge from its provider (the truth; never a notification's body). Raises
    UnknownPayment (the provider has no such payment) or ProviderError. Touches no row, so a
    caller may read before opening the transaction that applies it (no lock held over HTTP)."""
    try:
        return providers.get(provider, account=account,
                             tenant_id=tenant_id).get_charge(provider_payment_id)
    except ProviderError as exc:
        if exc.status == 404:
            raise UnknownPayment(f"provider payment {provider_payment_id} not found") from exc
        raise


def charge_apply(*, charge: Charge, provider: str = Payment.Provider.MERCADOPAGO) -> Payment:
    """Apply a charge just read from its provider to our Payment. Raises UnknownPayment (its
    audit line written first, in the caller's transaction)."""
    payment = payment_resolve(charge, provider)
    if payment is None:
        audit.record(actor=None, tenant=None, action="payment.unknown", target=None,
                     data={"provider": provider,
                           "provider_payment_id": str(charge.provider_payment_id),
                           "external_reference": charge.reference})
        raise UnknownPayment(f"no payment for provider payment {charge.provider_payment_id}")
    return payment_apply_charge(payment=payment, charge=charge)


def payment_sync(*, provider_payment_id: str,
                 provider: str = Payment.Provider.MERCADOPAGO, account: str = "",
                 tenant_id: int | None = None) -> Payment:
    """Fetch one provider charge and apply it. Raises UnknownPayment or ProviderError.

    `account`: the seller's Mercado Pago user id a notification about a connected account
    names; their token reads the payment (only the seller's own payments are visible)."""
    charge = charge_fetch(provider_payment_id=provider_payment_id, provider=provider,
                          account=account, tenant_id=tenant_id)
    return charge_apply(charge=charge, provider=provider)
