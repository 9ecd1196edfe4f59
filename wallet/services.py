"""Writes to the wallet: postings, sales, reversals, releases and withdrawals.

`post` is the one function that writes entries. Its `entries` are `(account, signed_cents)`:
positive is a debit, negative a credit, and they must add up to zero. Every account touched is
locked (`SELECT ... FOR UPDATE`, in primary-key order so two postings never deadlock) and its
running balance moved in the same database transaction: by PostgreSQL's posting trigger as the
entries are inserted (the only writer of balances there), by this module on SQLite. A posting
key is unique: posting the same business event again returns the transaction already posted and
writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from money import format_money
from wallet.models import (
    CURRENCY,
    PLATFORM_SHARDS,
    SHARDED_KINDS,
    TENANT_KINDS,
    Account,
    AccountKind,
    Entry,
    Hold,
    LedgerTransaction,
    Side,
    Withdrawal,
)
from wallet.pix_keys import pix_key_normalize
from wallet.policy import fee_cents, wallet_policy

K = AccountKind
Kind = LedgerTransaction.Kind
W = Withdrawal.Status


class WalletError(ValueError):
    """A request the rules refuse; the message is shown to the user as is. Nothing was posted."""


class LedgerError(WalletError):
    """A posting that would break the ledger's invariants (a programming error upstream)."""


# --- Accounts ---------------------------------------------------------------------------------
# Currency (issue 23 item 4): the ledger keeps one set of accounts per currency, and a posting
# never mixes currencies (_check_entries). Every account getter takes `currency` (BRL when
# not given, so wallet callers that only ever sold in reais read as before).
def tenant_accounts(tenant: Any, currency: str = CURRENCY) -> dict[str, Account]:
    """The tenant's pending, available and withdrawing accounts in `currency`, created on first
    use (in that order, so their primary keys, and therefore the lock order, are the same for
    every tenant)."""
    accounts = {a.kind: a for a in Account.objects.for_tenant(tenant).filter(
        currency=currency, kind__in=TENANT_KINDS)}
    for kind in TENANT_KINDS:
        if kind not in accounts:
            accounts[kind], _created = Account.objects.for_tenant(tenant).get_or_create(
                tenant=tenant, kind=kind, currency=currency)
    return accounts


def platform_shard(kind: str, tenant: Any = None) -> int:
    """Which row of a platform kind a posting for `tenant` uses: for the kinds every sale posts
    to (SHARDED_KINDS), one of PLATFORM_SHARDS picked by the tenant's id, so sales of different
    shops seldom wait on one another's row lock; 0 otherwise (and without a tenant)."""
    if kind not in SHARDED_KINDS or tenant is None:
        return 0
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    return tenant_id % PLATFORM_SHARDS


def platform_account(kind: str, currency: str = CURRENCY, *, tenant: Any = None) -> Account:
    """The platform's account of `kind` in `currency` that postings for `tenant` use (its
    shard, see platform_shard). A kind's balance is the sum of its shards per currency:
    selectors.platform_balance."""
    account, _created = Account.objects.unscoped().get_or_create(
        tenant=None, kind=kind, currency=currency, shard=platform_shard(kind, tenant))
    return account


def sale_currency(payment_id: int | None) -> str:
    """The currency a payment's sale was booked in (BRL when there is none)."""
    if payment_id is None:
        return CURRENCY
    found = (Entry.objects.unscoped().filter(transaction__key=f"sale:{payment_id}")
             .values_list("account__currency", flat=True).first())
    return found or CURRENCY


def _lock(accounts: list[Account]) -> dict[int, Account]:
    """Lock rows in primary-key order and return them fresh (balances as committed)."""
    ids = sorted({a.pk for a in accounts})
    locked = Account.objects.unscoped().select_for_update().filter(pk__in=ids).order_by("pk")
    return {a.pk: a for a in locked}


# --- Posting ----------------------------------------------------------------------------------
def post(*, key: str, entries: list[tuple[Account, int]], memo: str = "", tenant: Any = None,
         kind: str = Kind.OTHER) -> LedgerTransaction:
    """Post one balanced transaction; an already-posted `key` returns its transaction."""
    txn, _created = post_once(key=key, entries=entries, memo=memo, tenant=tenant, kind=kind)
    return txn


@transaction.atomic
def post_once(*, key: str, entries: list[tuple[Account, int]], memo: str = "",
              tenant: Any = None, kind: str = Kind.OTHER) -> tuple[LedgerTransaction, bool]:
    """`post`, also saying whether this call wrote the transaction (False: key seen before)."""
    _check_entries(key, entries)
    _check_shards(entries, tenant)
    existing = LedgerTransaction.objects.unscoped().filter(key=key).first()
    if existing is not None:
        return existing, False
    # Accounts first, then the key: every writer takes its locks in that one order.
    locked = _lock([account for account, _amount in entries])
    try:
        with transaction.atomic():  # a racing poster of the same key waits here, then fails
            txn = LedgerTransaction.objects.create(key=key, kind=kind, tenant=tenant,
                                                   memo=memo[:300])
    except IntegrityError:
        return LedgerTransaction.objects.unscoped().get(key=key), False
    Entry.objects.bulk_create([
        Entry(transaction=txn, account_id=account.pk, tenant_id=account.tenant_id,
              side=Side.DEBIT if amount > 0 else Side.CREDIT, amount_cents=abs(amount))
        for account, amount in entries
    ])
    # PostgreSQL's posting trigger has moved the balances with that INSERT (and refuses any
    # other write to them, migration 0003); elsewhere (SQLite, the embedded default) we do.
    moved_by_database = connection.vendor == "postgresql"
    for account, amount in entries:
        row = locked[account.pk]
        delta = amount if row.debit_normal else -amount
        if not moved_by_database:
            Account.objects.unscoped().filter(pk=row.pk).update(
                balance_cents=F("balance_cents") + delta)
        row.balance_cents += delta  # the rows are locked: this is what the database now holds
        account.balance_cents = row.balance_cents
    return txn, True


def _check_entries(key: str, entries: list[tuple[Account, int]]) -> None:
    if not key or len(key) > 120:
        raise LedgerError(_("A posting needs a key of up to 120 characters."))
    if len(entries) < 2:
        raise LedgerError(_("A posting needs at least two entries."))
    for account, amount in entries:
        if account.pk is None:
            raise LedgerError(_("A posting's accounts must be saved first."))
        if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
            raise LedgerError(_("Entry amounts are non-zero whole centavos."))
    if sum(amount for _account, amount in entries) != 0:
        raise LedgerError(_("A posting's debits and credits must be equal."))
    if len({account.currency for account, _amount in entries}) != 1:
        raise LedgerError(_("A posting cannot mix currencies."))


def _check_shards(entries: list[tuple[Account, int]], tenant: Any) -> None:
    """A sharded platform row (clearing, fees) is posted only for a tenant, and only the row
    that tenant's postings use (platform_account(kind, tenant=...)): a sale booked on one shard
    and its refund taken from another would drive that other shard below zero."""
    for account, _amount in entries:
        if account.tenant_id is not None or account.kind not in SHARDED_KINDS:
            continue
        if tenant is None:
            raise LedgerError(_("A posting to the platform's %(kind)s account needs tenant=: "
                                "that account is split into shards per tenant.")
                              % {"kind": account.kind})
        if account.shard != platform_shard(account.kind, tenant):
            raise LedgerError(_("A posting for a tenant uses its own shard of the platform's "
                                "%(kind)s account: take it from platform_account(kind, "
                                "tenant=...).") % {"kind": account.kind})


def parse_cents(value: Any) -> int:
    """A positive whole number of centavos, or WalletError (negative, zero, fraction, text)."""
    if isinstance(value, bool):
        raise WalletError(_("Enter the amount as a number."))
    if isinstance(value, int):
        cents = value
    else:
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            raise WalletError(_("Enter the amount as a number.")) from None
        if not number.is_finite():
            raise WalletError(_("Enter the amount as a number."))
        if number != number.to_integral_value():
            raise WalletError(_("Amounts are whole centavos."))
        cents = int(number)
    if cents <= 0:
        raise WalletError(_("The amount must be greater than zero."))
    return cents


# --- Sales, reversals and releases ------------------------------------------------------------
def _sale_accounts(tenant: Any, currency: str) -> tuple[Account, Account, Account]:
    """(the tenant's pending, its clearing shard, its fees shard) in one query: every sale
    needs the three, and three lookups were three round trips on the busiest posting. Any
    not made yet is made as tenant_accounts / platform_account make it."""
    wanted = {(tenant.pk, K.PENDING, 0): None,
              (None, K.CLEARING, platform_shard(K.CLEARING, tenant)): None,
              (None, K.FEES, platform_shard(K.FEES, tenant)): None}
    match = Q()
    for tenant_id, kind, shard in wanted:
        match |= Q(tenant_id=tenant_id, kind=kind, shard=shard)
    for row in Account.objects.unscoped().filter(match, currency=currency):
        wanted[(row.tenant_id, row.kind, row.shard)] = row
    pending, clearing, fees = wanted.values()
    return (pending or tenant_accounts(tenant, currency)[K.PENDING],
            clearing or platform_account(K.CLEARING, currency, tenant=tenant),
            fees or platform_account(K.FEES, currency, tenant=tenant))


@transaction.atomic
def sale_record(*, tenant: Any, payment_id: int, gross_cents: int, method: str,
                fee_percent: Decimal | None = None,
                currency: str = CURRENCY) -> LedgerTransaction:
    """An approved sale: gross to clearing, the fee (rounded half-up) to fees, the rest to the
    tenant's pending, held until the plan's hold period for `method` ("pix" or card) ends.
    All in the sale's `currency`: its own accounts, never added to another currency's."""
    gross = parse_cents(gross_cents)
    policy = wallet_policy(tenant)
    percent = policy.fee_percent if fee_percent is None else Decimal(str(fee_percent))
    if not Decimal(0) <= percent <= Decimal(100):
        raise LedgerError(_("The fee must be between 0% and 100%."))
    fee = fee_cents(gross, percent)
    net = gross - fee
    pending, clearing, fees = _sale_accounts(tenant, currency)
    entries = [(clearing, gross)]
    entries += [(fees, -fee)] if fee else []
    entries += [(pending, -net)] if net else []
    txn, created = post_once(key=f"sale:{payment_id}", entries=entries, tenant=tenant,
                             kind=Kind.SALE, memo=f"{method} {percent}%")
    if created:
        if net:
            Hold.objects.create(tenant=tenant, transaction=txn, payment_id=payment_id,
                                method=method, currency=currency, amount_cents=net,
                                remaining_cents=net,
                                release_at=timezone.now()
                                + timedelta(days=policy.hold_days(method)))
        audit.record(actor=None, tenant=tenant, action="wallet.sale", target=txn,
                     data={"payment": payment_id, "gross": gross, "fee": fee, "net": net,
                           "method": method, "currency": currency})
    return txn


@transaction.atomic
def sale_reverse(*, tenant: Any, key: str, amount_cents: int, reason: str,
                 payment_id: int | None = None) -> LedgerTransaction:
    """A refund or chargeback (`key` "refund:<id>" or "chargeback:<id>"): taken from pending
    first, then from available, which may go negative (a debt that blocks withdrawals). The
    money goes to the platform's `refunds` account; the platform keeps its fee."""
    amount = parse_cents(amount_cents)
    existing = LedgerTransaction.objects.unscoped().filter(key=key).first()
    if existing is not None:
        return existing
    if payment_id is not None and LedgerTransaction.objects.unscoped().filter(
            key=f"sale:{payment_id}", kind=Kind.SETTLED_SALE).exists():
        # Paid to the shop's own account: nothing of it is here to take back.
        raise LedgerError("A sale settled at the provider reverses through wallet.settled.")
    currency = sale_currency(payment_id)  # a reversal is in its sale's currency
    accounts = tenant_accounts(tenant, currency)
    refunds = platform_account(K.REFUNDS, currency)
    locked = _lock([accounts[K.PENDING], accounts[K.AVAILABLE], refunds])
    from_pending = min(amount, max(locked[accounts[K.PENDING].pk].balance_cents, 0))
    from_available = amount - from_pending
    entries = [(refunds, -amount)]
    entries += [(accounts[K.PENDING], from_pending)] if from_pending else []
    entries += [(accounts[K.AVAILABLE], from_available)] if from_available else []
    kind = Kind.CHARGEBACK if key.startswith("chargeback") else Kind.REFUND
    txn, created = post_once(key=key, entries=entries, tenant=tenant, kind=kind,
                             memo=reason)
    if created:
        _shrink_holds(tenant=tenant, amount=from_pending, payment_id=payment_id,
                      currency=currency)
        audit.record(actor=None, tenant=tenant, action=f"wallet.{kind}", target=txn,
                     data={"amount": amount, "from_pending": from_pending,
                           "from_available": from_available, "reason": reason,
                           "payment": payment_id})
    return txn


def reversed_cents(*, keys: list[str]) -> dict[str, int]:
    """How much each of these reversal postings took (keys never posted are absent)."""
    rows = (Entry.objects.unscoped()  # platform account rows; keys name one payment
            .filter(transaction__key__in=keys, account__tenant__isnull=True,
                    account__kind=K.REFUNDS)  # whatever the currency: keys name one payment
            .values_list("transaction__key", "amount_cents"))
    return dict(rows)


def _shrink_holds(*, tenant: Any, amount: int, payment_id: int | None,
                  currency: str = CURRENCY) -> None:
    """Take a reversal's pending part out of the holds: its own sale's first, then the ones
    released last, so the unreleased holds keep adding up to the pending balance."""
    holds = list(Hold.objects.for_tenant(tenant).select_for_update()
                 .filter(released_at__isnull=True, remaining_cents__gt=0, currency=currency)
                 .order_by("-release_at", "-id"))
    holds.sort(key=lambda h: h.payment_id != payment_id or payment_id is None)
    for hold in holds:
        if amount <= 0:
            break
        take = min(amount, hold.remaining_cents)
        hold.remaining_cents -= take
        hold.save(update_fields=["remaining_cents"])
        amount -= take


def releases_run(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Release every hold that is due; each in its own transaction. Returns how many."""
    now = now or timezone.now()
    due = (Hold.objects.unscoped().filter(released_at__isnull=True, release_at__lte=now)
           .order_by("release_at", "id").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in list(due) if hold_release(hold_id=pk, now=now))


@transaction.atomic
def hold_release(*, hold_id: int, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    found = Hold.objects.unscoped().select_related("tenant").get(pk=hold_id)
    tenant = found.tenant
    accounts = tenant_accounts(tenant, found.currency)
    _lock([accounts[K.PENDING], accounts[K.AVAILABLE]])  # accounts before holds, as reversals
    hold = Hold.objects.for_tenant(tenant).select_for_update().get(pk=hold_id)
    if hold.released_at is not None or hold.release_at > now:
        return False
    if hold.remaining_cents:
        post_once(key=f"release:{hold.transaction_id}", tenant=tenant, kind=Kind.RELEASE,
                  entries=[(accounts[K.PENDING], hold.remaining_cents),
                           (accounts[K.AVAILABLE], -hold.remaining_cents)])
    hold.released_at = now
    hold.save(update_fields=["released_at"])
    return True


# --- Withdrawals ------------------------------------------------------------------------------
def withdrawal_terms(*, tenant: Any, amount_cents: Any, pix_key_type: str,
                     pix_key: str) -> tuple[int, str]:
    """A withdrawal's amount (at least the shop's minimum) and its normalised PIX key, the
    checks a shop's and an affiliate's withdrawal share."""
    amount = parse_cents(amount_cents)
    policy = wallet_policy(tenant)
    if amount < policy.min_withdrawal_cents:
        raise WalletError(_("The minimum withdrawal is %(min)s.")
                          % {"min": format_money(policy.min_withdrawal_cents)})
    try:
        key = pix_key_normalize(key_type=pix_key_type, value=pix_key)
    except ValidationError as error:
        raise WalletError(" ".join(error.messages)) from None
    return amount, key


@transaction.atomic
def withdrawal_request(*, tenant: Any, actor: Any, amount_cents: Any, pix_key_type: str,
                       pix_key: str) -> Withdrawal:
    amount, key = withdrawal_terms(tenant=tenant, amount_cents=amount_cents,
                                   pix_key_type=pix_key_type, pix_key=pix_key)
    accounts = tenant_accounts(tenant)
    available = _lock([accounts[K.AVAILABLE]])[accounts[K.AVAILABLE].pk]
    if available.balance_cents < 0:
        raise WalletError(_("Your balance is negative because of refunds or chargebacks; "
                            "withdrawals resume once new sales cover it."))
    if amount > available.balance_cents:
        raise WalletError(_("You can withdraw at most %(available)s.")
                          % {"available": format_money(available.balance_cents)})
    withdrawal = Withdrawal.objects.create(tenant=tenant, amount_cents=amount,
                                           pix_key_type=pix_key_type, pix_key=key,
                                           requested_by=actor)
    post_once(key=withdrawal.step_key("request"), tenant=tenant, kind=Kind.WITHDRAWAL,
              entries=[(accounts[K.AVAILABLE], amount), (accounts[K.WITHDRAWING], -amount)])
    audit.record(actor=actor, tenant=tenant, action="wallet.withdrawal.request",
                 target=withdrawal, data={"amount": amount, "pix_key_type": pix_key_type})
    return withdrawal


@transaction.atomic
def withdrawal_cancel(*, withdrawal: Withdrawal, actor: Any) -> Withdrawal:
    withdrawal = _lock_withdrawal(withdrawal)
    if withdrawal.status != W.PENDING:
        raise WalletError(_("Only a pending withdrawal can be cancelled."))
    return _decide(withdrawal=withdrawal, actor=actor, status=W.CANCELLED, step="cancel",
                   to=K.AVAILABLE, kind=Kind.WITHDRAWAL_CANCEL, notify=False)


@transaction.atomic
def withdrawal_approve(*, withdrawal: Withdrawal, actor: Any, reference: str) -> Withdrawal:
    """Mark paid: the operator made the PIX transfer; `reference` is its end-to-end id."""
    reference = (reference or "").strip()
    if not reference:
        raise WalletError(_("Enter the transfer reference to mark the withdrawal paid."))
    withdrawal = _lock_withdrawal(withdrawal)
    if withdrawal.status == W.PAID:
        raise WalletError(_("This withdrawal is already paid."))
    if withdrawal.status != W.PENDING:
        raise WalletError(_("Only a pending withdrawal can be approved; this one is %(status)s.")
                          % {"status": withdrawal.get_status_display()})
    withdrawal.reference = reference[:120]
    return _decide(withdrawal=withdrawal, actor=actor, status=W.PAID, step="paid",
                   to=K.PAYOUTS, kind=Kind.WITHDRAWAL_PAID, notify=True)


@transaction.atomic
def withdrawal_reject(*, withdrawal: Withdrawal, actor: Any, reason: str) -> Withdrawal:
    reason = (reason or "").strip()
    if not reason:
        raise WalletError(_("Say why the withdrawal is rejected; the owner will see it."))
    withdrawal = _lock_withdrawal(withdrawal)
    if withdrawal.status != W.PENDING:
        raise WalletError(_("Only a pending withdrawal can be rejected; this one is %(status)s.")
                          % {"status": withdrawal.get_status_display()})
    withdrawal.reason = reason[:300]
    return _decide(withdrawal=withdrawal, actor=actor, status=W.REJECTED, step="reject",
                   to=K.AVAILABLE, kind=Kind.WITHDRAWAL_REJECT, notify=True)


# A withdrawal paying someone other than the shop (an affiliate) moves the sub-ledger's
# holdings, which wallet.credit owns; credit builds on this module, so it registers itself
# here (WalletConfig.ready) instead of being imported.
_payee_decider: Callable[..., None] | None = None


def register_payee_decider(decider: Callable[..., None]) -> None:
    global _payee_decider
    _payee_decider = decider


def _lock_withdrawal(withdrawal: Withdrawal) -> Withdrawal:
    return (Withdrawal.objects.for_tenant(withdrawal.tenant_id).select_for_update()
            .select_related("tenant").get(pk=withdrawal.pk))


def _decide(*, withdrawal: Withdrawal, actor: Any, status: str, step: str, to: str, kind: str,
            notify: bool) -> Withdrawal:
    tenant = withdrawal.tenant
    if withdrawal.payee:  # an affiliate's: from their commissions sub-ledger (wallet.credit)
        if _payee_decider is None:
            raise LedgerError("No decider for payee withdrawals (wallet.apps registers it).")
        _payee_decider(withdrawal=withdrawal, step=step, kind=kind, paid=to == K.PAYOUTS)
    else:
        accounts = tenant_accounts(tenant, withdrawal.currency)
        target = (platform_account(to, withdrawal.currency) if to == K.PAYOUTS
                  else accounts[to])
        post_once(key=withdrawal.step_key(step), tenant=tenant, kind=kind,
                  memo=withdrawal.reason, entries=[(accounts[K.WITHDRAWING],
                                                    withdrawal.amount_cents),
                                                   (target, -withdrawal.amount_cents)])
    withdrawal.status, withdrawal.decided_by = status, actor
    withdrawal.decided_at = timezone.now()
    # The owner's notification, shown once on the Wallet page (an affiliate sees theirs in
    # /afiliado, never on the owner's page).
    withdrawal.owner_unseen = notify and not withdrawal.payee
    withdrawal.save(update_fields=["status", "decided_by", "decided_at", "reference", "reason",
                                   "owner_unseen"])
    audit.record(actor=actor, tenant=tenant, action=f"wallet.withdrawal.{step}",
                 target=withdrawal, data={"amount": withdrawal.amount_cents,
                                          "reference": withdrawal.reference,
                                          "reason": withdrawal.reason})
    return withdrawal


def withdrawal_notices_seen(*, tenant: Any) -> list[Withdrawal]:
    """The decisions the owner has not seen yet; marks them seen."""
    unseen = list(Withdrawal.objects.for_tenant(tenant).filter(owner_unseen=True, payee=""))
    if unseen:
        Withdrawal.objects.for_tenant(tenant).filter(pk__in=[w.pk for w in unseen]).update(
            owner_unseen=False)
    return unseen


