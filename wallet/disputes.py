"""Disputes in the ledger: the disputed money frozen, then given back (won) or kept (lost).

A chargeback or PIX MED takes the money from the platform's provider account as soon as it is
opened, so the shop's share is frozen at once with the posting a charged-back payment already
makes (`chargeback:payment:<payment id>`, services.sale_reverse): taken from the sale's hold
while it is still pending, else from `available`, which goes negative (a debt that blocks
withdrawals) when the money was already withdrawn. Sales posts that same key when the payment
turns charged_back, so whichever of the two events comes first freezes, the other posts nothing.

Won: `dispute:<id>:won` gives the frozen amount back to `available` (from `refunds`, where the
freeze put it). Lost: nothing more to post; the freeze is the final debit.
Only public wallet functions are used (tenant_accounts, platform_account, post, sale_reverse).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

import audit
from wallet.models import AccountKind, LedgerTransaction
from wallet.services import (
    parse_cents,
    platform_account,
    post_once,
    reversed_cents,
    sale_currency,
    sale_reverse,
    tenant_accounts,
)

K = AccountKind


def freeze_key(payment_id: int) -> str:
    return f"chargeback:payment:{payment_id}"


def release_key(dispute_id: int) -> str:
    return f"dispute:{dispute_id}:won"


def frozen_cents(*, payment_id: int) -> int:
    """What the chargeback posting of this payment took from the shop (0 if none yet)."""
    return reversed_cents(keys=[freeze_key(payment_id)]).get(freeze_key(payment_id), 0)


@transaction.atomic
def dispute_freeze(*, tenant: Any, payment_id: int, amount_cents: int, reason: str) -> int:
    """Freeze `amount_cents` of this payment (once per payment); returns what is frozen."""
    if frozen_cents(payment_id=payment_id) == 0 and amount_cents > 0:
        sale_reverse(tenant=tenant, key=freeze_key(payment_id), amount_cents=amount_cents,
                     reason=reason[:200], payment_id=payment_id)
    return frozen_cents(payment_id=payment_id)


@transaction.atomic
def dispute_release(*, tenant: Any, dispute_id: int, payment_id: int, amount_cents: int,
                    reason: str) -> LedgerTransaction | None:
    """Won: the frozen amount goes back to the shop's available balance (once per dispute),
    in the currency the disputed payment's sale and its freeze were booked in."""
    if amount_cents <= 0:
        return None
    amount = parse_cents(amount_cents)
    currency = sale_currency(payment_id)
    # Kind chargeback: a chargeback's own reversal, so daily net sales and the statement
    # filters see the pair together.
    txn, created = post_once(key=release_key(dispute_id), tenant=tenant,
                             kind=LedgerTransaction.Kind.CHARGEBACK, memo=reason[:300],
                             entries=[(platform_account(K.REFUNDS, currency), amount),
                                      (tenant_accounts(tenant, currency)[K.AVAILABLE],
                                       -amount)])
    if created:
        audit.record(actor=None, tenant=tenant, action="wallet.dispute_release", target=txn,
                     data={"dispute": dispute_id, "amount": amount, "currency": currency,
                           "reason": reason[:200]})
    return txn


def released_cents(*, dispute_id: int) -> int:
    txn = LedgerTransaction.objects.unscoped().filter(key=release_key(dispute_id)).first()
    if txn is None:
        return 0
    return sum(e.amount_cents for e in txn.entries.all() if e.side == "C")
