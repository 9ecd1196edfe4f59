"""Writes of store credit: PIX top-ups and the shop's settings. Balances move only in the ledger
(wallet/credit.py), each posting once per key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from credit.models import TopUp
from credit.policy import LIMIT_CENTS, credit_policy
from money import format_money
from payments.models import Payment
from payments.services import payment_create
from sales.models import Customer
from wallet import credit as ledger


class CreditRefused(ValueError):
    """A request the rules refuse; the message is shown to the buyer or owner as is."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class TopUpStarted:
    topup: TopUp
    payment: Payment


def _check_amount(tenant: Any, amount_cents: int) -> None:
    policy = credit_policy(tenant)
    if not policy.topup_enabled:
        raise CreditRefused("topup_disabled", _("This shop does not take balance top-ups."))
    if not policy.topup_min_cents <= amount_cents <= policy.topup_max_cents:
        raise CreditRefused("topup_amount", _("Top up between %(min)s and %(max)s.") % {
            "min": format_money(policy.topup_min_cents, tenant.currency),
            "max": format_money(policy.topup_max_cents, tenant.currency)})


def topup_start(*, customer: Customer, amount_cents: int) -> TopUpStarted:
    """Ask for a PIX of `amount` that credits the buyer's balance once it is approved. The row
    commits first and the provider is called outside any transaction (as checkout does)."""
    tenant = customer.tenant
    _check_amount(tenant, amount_cents)
    topup = TopUp.objects.create(tenant=tenant, customer=customer, amount_cents=amount_cents,
                                 bonus_cents=credit_policy(tenant).bonus_for(amount_cents))
    return TopUpStarted(topup=topup, payment=payment_create(payable=topup,
                                                            method=Payment.Method.PIX))


def on_topup_outcome(payment: Any, outcome: str) -> None:
    """payments.registry handler for credit.topup; runs inside the payment's transaction."""
    topup = (TopUp.objects.for_tenant(payment.tenant_id).select_for_update()
             .select_related("tenant").filter(pk=payment.payable_id).first())
    if topup is None:
        return
    holder = ledger.customer_holder(topup.customer_id)
    if outcome == "approved":
        _txn, granted = ledger.topup_record(
            tenant=topup.tenant, holder=holder, payment_id=payment.pk,
            amount_cents=payment.amount_cents, bonus_cents=topup.bonus_cents)
        if topup.status != TopUp.Status.CREDITED:
            topup.status, topup.credited_at = TopUp.Status.CREDITED, timezone.now()
            topup.bonus_granted_cents = granted
            topup.save(update_fields=["status", "credited_at", "bonus_granted_cents"])
    elif outcome in ("expired", "cancelled") and topup.status == TopUp.Status.PENDING:
        topup.status = TopUp.Status.FAILED
        topup.save(update_fields=["status"])
    elif outcome in ("refunded", "charged_back", "refund") and topup.status in (
            TopUp.Status.CREDITED, TopUp.Status.REVERSED):
        _reverse(topup, payment, outcome)


def _reverse(topup: TopUp, payment: Any, outcome: str) -> None:
    """Whatever the provider gave back that the ledger has not reversed yet."""
    kind = "chargeback" if outcome == "charged_back" else "refund"
    given_back = payment.amount_cents if outcome != "refund" else payment.refunded_cents
    reversed_so_far = _reversed(topup, payment)
    left = min(given_back, payment.amount_cents) - reversed_so_far
    if left <= 0:
        return
    ledger.topup_reverse(tenant=topup.tenant, holder=ledger.customer_holder(topup.customer_id),
                         key=f"{kind}:topup:{payment.pk}:{reversed_so_far}", amount_cents=left,
                         reason=f"top-up {topup.pk} {outcome}")
    if given_back >= payment.amount_cents:
        topup.status = TopUp.Status.REVERSED
        topup.save(update_fields=["status"])


def _reversed(topup: TopUp, payment: Any) -> int:
    from wallet.services import reversed_cents

    prefixes = (f"refund:topup:{payment.pk}:", f"chargeback:topup:{payment.pk}:")
    keys = [key for key in ledger.posted_keys(prefixes=prefixes)]
    return sum(reversed_cents(keys=keys).values())


@transaction.atomic
def credit_settings_update(*, tenant: Any, actor: Any, topup_enabled: bool, min_cents: int,
                           max_cents: int, bonus_percent: int) -> None:
    if not 1 <= min_cents <= max_cents <= LIMIT_CENTS or not 0 <= bonus_percent <= 100:
        raise CreditRefused("settings_invalid", _("Check the amounts: the minimum must be at "
                                                  "most the maximum."))
    tenant.settings = {**(tenant.settings or {}), "credit_topup_enabled": bool(topup_enabled),
                       "credit_topup_min_cents": min_cents, "credit_topup_max_cents": max_cents,
                       "credit_bonus_percent": bonus_percent}
    tenant.save(update_fields=["settings"])
    audit.record(actor=actor, tenant=tenant, action="credit.settings", target=tenant,
                 data={"topup_enabled": bool(topup_enabled), "min_cents": min_cents,
                       "max_cents": max_cents, "bonus_percent": bonus_percent})
