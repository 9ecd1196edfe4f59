"""Store credit in the ledger: buyers' balances ("saldo"), a liability of the shop.

Money paths (each one posting, each with its own key, so a replay posts nothing twice):

- top-up  `topup:<payment>`       clearing D x            -> credit C x (+ bonus, below)
- apply   `credit:apply:order:<id>`   credit D c          -> credit_reserved C c
  (checkout takes the buyer's credit at once, so two carts can never spend one balance)
- spend   `credit:spend:order:<id>`   credit_reserved D c -> fees C fee, pending C net (a Hold,
  like any sale: the shop earns when the buyer spends, and the platform's fee is taken then)
- return  `credit:return:order:<id>`  credit_reserved D c -> credit C c (order expired/cancelled)
- refund to balance  `refund:credit:...`  pending/available D a -> credit C a (kind "refund":
  taken from pending first, then available, which may go negative, as any refund)
- gift card redeem  `giftcard:redeem:<id>`  giftcards D v -> credit C v

A top-up's bonus is the shop's gift: it is taken from the shop's available balance, and only as
far as that balance goes (a webhook cannot be refused, and available may go negative only
through refunds and chargebacks).

Every writer locks, in this one order: the ledger accounts it touches (in primary-key order, in
one batch), then the holdings it moves (in primary-key order). Spends, returns, refunds and
redemptions of one holding are therefore serialised, and no two writers wait on each other in
opposite orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from wallet.credit_models import CreditHolding, CreditMovement
from wallet.models import (
    CREDIT_KINDS,
    Account,
    AccountKind,
    Hold,
    LedgerTransaction,
    Withdrawal,
)
from wallet.policy import fee_cents, wallet_policy
from wallet.services import (
    WalletError,
    _lock,
    _shrink_holds,
    parse_cents,
    platform_account,
    post_once,
    tenant_accounts,
    withdrawal_terms,
)

K = AccountKind
Kind = LedgerTransaction.Kind
Move = tuple[str, str, int]  # (account kind, holder, signed change of the holding)


class CreditError(WalletError):
    """Not enough credit (or a card already redeemed): nothing was posted."""


def customer_holder(customer_id: int) -> str:
    return f"customer:{customer_id}"


def order_holder(order_id: int) -> str:
    return f"order:{order_id}"


def giftcard_holder(card_id: int) -> str:
    return f"giftcard:{card_id}"


def credit_accounts(tenant: Any) -> dict[str, Account]:
    """The shop's credit, credit_reserved and giftcards accounts, created on first use."""
    accounts = {a.kind: a for a in Account.objects.for_tenant(tenant).filter(
        kind__in=CREDIT_KINDS)}
    for kind in CREDIT_KINDS:
        if kind not in accounts:
            accounts[kind], _created = Account.objects.for_tenant(tenant).get_or_create(
                tenant=tenant, kind=kind)
    return accounts


def _holding(tenant: Any, kind: str, holder: str) -> CreditHolding:
    holding, _created = CreditHolding.objects.for_tenant(tenant).get_or_create(
        tenant=tenant, kind=kind, holder=holder)
    return holding


def _lock_holdings(tenant: Any, keys: list[tuple[str, str]]) -> dict[tuple[str, str],
                                                                      CreditHolding]:
    ids = sorted({_holding(tenant, kind, holder).pk for kind, holder in keys})
    rows = (CreditHolding.objects.for_tenant(tenant).select_for_update()
            .filter(pk__in=ids).order_by("pk"))
    return {(h.kind, h.holder): h for h in rows}


@transaction.atomic
def credit_post(*, key: str, tenant: Any, kind: str, entries: list[tuple[Account, int]],
                moves: list[Move], memo: str = "",
                also_lock: list[Account] | None = None) -> tuple[LedgerTransaction, bool]:
    """Post `entries` and move the holdings `moves`, together and once per `key`.

    Raises CreditError, posting nothing, when a move would take a holding below zero.
    """
    existing = LedgerTransaction.objects.unscoped().filter(key=key).first()
    if existing is not None:
        return existing, False
    _lock([account for account, _amount in entries] + list(also_lock or []))
    holdings = _lock_holdings(tenant, [(k, h) for k, h, _delta in moves])
    if LedgerTransaction.objects.unscoped().filter(key=key).exists():
        # A racing poster of the same key committed while we waited for the locks.
        return LedgerTransaction.objects.unscoped().get(key=key), False
    for move_kind, holder, delta in moves:
        if holdings[(move_kind, holder)].balance_cents + delta < 0:
            raise CreditError(_("Not enough store credit."))
    txn, created = post_once(key=key, entries=entries, tenant=tenant, kind=kind, memo=memo)
    if created:
        for move_kind, holder, delta in moves:
            holding = holdings[(move_kind, holder)]
            holding.balance_cents += delta
            holding.save(update_fields=["balance_cents", "updated_at"])
            CreditMovement.objects.create(tenant=tenant, holding=holding, transaction=txn,
                                          delta_cents=delta)
    return txn, created


# --- Top-ups ----------------------------------------------------------------------------------
@transaction.atomic
def topup_record(*, tenant: Any, holder: str, payment_id: int, amount_cents: int,
                 bonus_cents: int = 0) -> tuple[LedgerTransaction, int]:
    """An approved PIX top-up: the buyer is owed `amount` plus as much of the bonus as the
    shop's available balance covers. Returns the posting and the bonus actually granted."""
    amount = parse_cents(amount_cents)
    accounts, credit = tenant_accounts(tenant), credit_accounts(tenant)
    available = accounts[K.AVAILABLE]
    clearing = platform_account(K.CLEARING, tenant=tenant)
    key = f"topup:{payment_id}"
    done = LedgerTransaction.objects.unscoped().filter(key=key).first()
    if done is not None:
        return done, _granted_bonus(done, amount)
    balance = _lock([available, clearing, credit[K.CREDIT]])[available.pk].balance_cents
    bonus = max(0, min(int(bonus_cents or 0), balance))
    entries = [(clearing, amount), (credit[K.CREDIT], -(amount + bonus))]
    entries += [(available, bonus)] if bonus else []
    txn, created = credit_post(key=key, tenant=tenant, kind=Kind.TOPUP, entries=entries,
                               moves=[(K.CREDIT, holder, amount + bonus)],
                               memo=f"{holder} bonus {bonus}")
    if created:
        audit.record(actor=None, tenant=tenant, action="credit.topup", target=txn,
                     data={"holder": holder, "payment": payment_id, "amount": amount,
                           "bonus": bonus, "bonus_asked": int(bonus_cents or 0)})
    return txn, bonus if created else _granted_bonus(txn, amount)


@transaction.atomic
def topup_reverse(*, tenant: Any, holder: str, key: str, amount_cents: int,
                  reason: str) -> tuple[LedgerTransaction, bool]:
    """A top-up's PIX refunded or charged back (`key` "refund:..." or "chargeback:..."): the
    money leaves to the platform's refunds account, taken from the buyer's credit as far as it
    goes, the rest from the shop's available (a debt: the buyer spent the credit already)."""
    amount = parse_cents(amount_cents)
    done = LedgerTransaction.objects.unscoped().filter(key=key).first()
    if done is not None:
        return done, False
    available, credit = tenant_accounts(tenant)[K.AVAILABLE], credit_accounts(tenant)
    refunds = platform_account(K.REFUNDS, tenant=tenant)
    _lock([available, credit[K.CREDIT], refunds])
    have = _lock_holdings(tenant, [(K.CREDIT, holder)])[(K.CREDIT, holder)].balance_cents
    from_credit = min(amount, have)
    rest = amount - from_credit
    entries = [(refunds, -amount)]
    entries += [(credit[K.CREDIT], from_credit)] if from_credit else []
    entries += [(available, rest)] if rest else []
    kind = Kind.CHARGEBACK if key.startswith("chargeback") else Kind.REFUND
    moves = [(K.CREDIT, holder, -from_credit)] if from_credit else []
    txn, created = credit_post(key=key, tenant=tenant, kind=kind, entries=entries, moves=moves,
                               memo=reason[:300])
    if created:
        audit.record(actor=None, tenant=tenant, action=f"credit.topup.{kind}", target=txn,
                     data={"holder": holder, "amount": amount, "from_credit": from_credit,
                           "from_available": rest})
    return txn, created


def _granted_bonus(txn: LedgerTransaction, amount: int) -> int:
    moved = txn.credit_movements.aggregate(s=Sum("delta_cents"))["s"] or 0
    return max(0, moved - amount)


# --- Checkout: apply, spend, return -----------------------------------------------------------
@transaction.atomic
def credit_apply(*, tenant: Any, holder: str, order_id: int, up_to_cents: int,
                 attempt: str = "") -> int:
    """Move up to `up_to` of the buyer's credit onto the unpaid order; returns how much.
    `attempt` names a later application to the same order (a late payment's) apart."""
    if up_to_cents <= 0:
        return 0
    credit = credit_accounts(tenant)
    _lock([credit[K.CREDIT], credit[K.CREDIT_RESERVED]])
    have = _lock_holdings(tenant, [(K.CREDIT, holder), (K.CREDIT_RESERVED,
                                                         order_holder(order_id))])
    have = have[(K.CREDIT, holder)].balance_cents
    amount = min(have, up_to_cents)
    if amount <= 0:
        return 0
    key = f"credit:apply:order:{order_id}" + (f":{attempt}" if attempt else "")
    txn, created = credit_post(
        key=key, tenant=tenant, kind=Kind.CREDIT_APPLY,
        entries=[(credit[K.CREDIT], amount), (credit[K.CREDIT_RESERVED], -amount)],
        moves=[(K.CREDIT, holder, -amount), (K.CREDIT_RESERVED, order_holder(order_id), amount)])
    if not created:  # applied before (a replay): say what was applied then
        return -sum(m.delta_cents for m in txn.credit_movements.filter(holding__kind=K.CREDIT))
    return amount


@transaction.atomic
def credit_settle(*, tenant: Any, order_id: int) -> int:
    """The order is paid: its reserved credit becomes a sale (fee, then the shop's pending under
    a hold). Returns the centavos settled (0 when nothing was reserved or already settled)."""
    accounts, credit = tenant_accounts(tenant), credit_accounts(tenant)
    fees = platform_account(K.FEES, tenant=tenant)
    reserved_key = (K.CREDIT_RESERVED, order_holder(order_id))
    _lock([credit[K.CREDIT_RESERVED], fees, accounts[K.PENDING]])
    amount = _lock_holdings(tenant, [reserved_key])[reserved_key].balance_cents
    if amount <= 0:
        return 0
    policy = wallet_policy(tenant)
    fee = fee_cents(amount, policy.fee_percent)
    net = amount - fee
    entries = [(credit[K.CREDIT_RESERVED], amount)]
    entries += [(fees, -fee)] if fee else []
    entries += [(accounts[K.PENDING], -net)] if net else []
    txn, created = credit_post(key=f"credit:spend:order:{order_id}", tenant=tenant,
                               kind=Kind.CREDIT_SPEND, entries=entries,
                               moves=[(*reserved_key, -amount)],
                               memo=f"order {order_id} {policy.fee_percent}%")
    if not created:
        return 0
    if net:
        # A sale from credit is held like a PIX sale: the credit came in by PIX.
        Hold.objects.create(tenant=tenant, transaction=txn, payment_id=None, method="credit",
                            amount_cents=net, remaining_cents=net,
                            release_at=timezone.now() + timedelta(days=policy.hold_days("pix")))
    audit.record(actor=None, tenant=tenant, action="credit.spend", target=txn,
                 data={"order": order_id, "amount": amount, "fee": fee, "net": net})
    return amount


@transaction.atomic
def credit_return(*, tenant: Any, holder: str, order_id: int) -> int:
    """The order will not be paid: its reserved credit goes back to the buyer."""
    credit = credit_accounts(tenant)
    reserved_key = (K.CREDIT_RESERVED, order_holder(order_id))
    _lock([credit[K.CREDIT], credit[K.CREDIT_RESERVED]])
    amount = _lock_holdings(tenant, [reserved_key, (K.CREDIT, holder)])[reserved_key] \
        .balance_cents
    if amount <= 0:
        return 0
    _txn, created = credit_post(
        key=f"credit:return:order:{order_id}", tenant=tenant, kind=Kind.CREDIT_RETURN,
        entries=[(credit[K.CREDIT_RESERVED], amount), (credit[K.CREDIT], -amount)],
        moves=[(*reserved_key, -amount), (K.CREDIT, holder, amount)])
    return amount if created else 0


# --- Refunds to the balance -------------------------------------------------------------------
@transaction.atomic
def credit_refund(*, tenant: Any, holder: str, key: str, amount_cents: int, reason: str,
                  payment_id: int | None = None) -> tuple[LedgerTransaction, bool]:
    """Give `amount` back to the buyer's balance instead of their payment method: taken from
    the shop as a refund (pending first, then available, which may go negative: a debt)."""
    amount = parse_cents(amount_cents)
    accounts, credit = tenant_accounts(tenant), credit_accounts(tenant)
    pending, available = accounts[K.PENDING], accounts[K.AVAILABLE]
    done = LedgerTransaction.objects.unscoped().filter(key=key).first()
    if done is not None:
        return done, False
    locked = _lock([pending, available, credit[K.CREDIT]])
    from_pending = min(amount, max(locked[pending.pk].balance_cents, 0))
    from_available = amount - from_pending
    entries = [(credit[K.CREDIT], -amount)]
    entries += [(pending, from_pending)] if from_pending else []
    entries += [(available, from_available)] if from_available else []
    txn, created = credit_post(key=key, tenant=tenant, kind=Kind.REFUND, entries=entries,
                               moves=[(K.CREDIT, holder, amount)], memo=reason[:300])
    if created:
        _shrink_holds(tenant=tenant, amount=from_pending, payment_id=payment_id)
        audit.record(actor=None, tenant=tenant, action="credit.refund", target=txn,
                     data={"holder": holder, "amount": amount, "from_pending": from_pending,
                           "from_available": from_available, "reason": reason})
    return txn, created


def refunded_to_credit_cents(*, tenant: Any, key_prefix: str) -> int:
    """What the postings whose keys start with `key_prefix` gave back to balances."""
    return (CreditMovement.objects.for_tenant(tenant)
            .filter(transaction__key__startswith=key_prefix, holding__kind=K.CREDIT)
            .aggregate(s=Sum("delta_cents"))["s"] or 0)


# --- Reads ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CreditLine:
    created_at: Any
    kind: str
    key: str
    delta_cents: int


def credit_balance(*, tenant: Any, holder: str, kind: str = K.CREDIT) -> int:
    row = (CreditHolding.objects.for_tenant(tenant).filter(kind=kind, holder=holder)
           .values_list("balance_cents", flat=True).first())
    return row or 0


def credit_history(*, tenant: Any, holder: str, limit: int = 20) -> list[CreditLine]:
    rows = (CreditMovement.objects.for_tenant(tenant)
            .filter(holding__kind=K.CREDIT, holding__holder=holder)
            .select_related("transaction").order_by("-id")[:limit])
    return [CreditLine(created_at=m.created_at, kind=m.transaction.kind, key=m.transaction.key,
                       delta_cents=m.delta_cents) for m in rows]


def credit_owed(*, tenant: Any) -> dict[str, int]:
    """The shop's liabilities to its buyers, by account kind (from the running balances)."""
    rows = dict(Account.objects.for_tenant(tenant).filter(kind__in=CREDIT_KINDS)
                .values_list("kind", "balance_cents"))
    return {kind: rows.get(kind, 0) for kind in CREDIT_KINDS}


def credit_holders(*, tenant: Any, kind: str = K.CREDIT) -> list[tuple[str, int]]:
    """Holders owed something, largest first."""
    return list(CreditHolding.objects.for_tenant(tenant).filter(kind=kind, balance_cents__gt=0)
                .order_by("-balance_cents", "pk").values_list("holder", "balance_cents"))


# --- wallet_verify ----------------------------------------------------------------------------
def credit_problems() -> list[str]:
    """Each credit account equals its holdings' sum; each holding its movements' sum and is
    not negative; no holding exists for a kind that is not a credit account."""
    problems: list[str] = []
    accounts = {(a.tenant_id, a.kind): a.balance_cents for a in
                Account.objects.unscoped().filter(kind__in=CREDIT_KINDS)}
    holdings = dict(((t, k), s) for t, k, s in
                    CreditHolding.objects.unscoped().values("tenant", "kind")
                    .annotate(s=Sum("balance_cents")).values_list("tenant", "kind", "s"))
    for key in sorted(set(accounts) | set(holdings), key=str):
        tenant_id, kind = key
        if kind not in CREDIT_KINDS:
            problems.append(f"tenant #{tenant_id}: holdings of {kind}, not a credit account")
        elif accounts.get(key, 0) != (holdings.get(key) or 0):
            problems.append(f"tenant #{tenant_id}: {kind} {accounts.get(key, 0)} != its "
                            f"holders' balances {holdings.get(key) or 0}")
    moved = dict(CreditMovement.objects.unscoped().values("holding")
                 .annotate(s=Sum("delta_cents")).values_list("holding", "s"))
    for holding in CreditHolding.objects.unscoped().order_by("pk"):
        if holding.balance_cents < 0:
            problems.append(f"holding {holding} (#{holding.pk}): negative "
                            f"{holding.balance_cents}")
        if holding.balance_cents != moved.get(holding.pk, 0):
            problems.append(f"holding {holding} (#{holding.pk}): balance "
                            f"{holding.balance_cents} != {moved.get(holding.pk, 0)} from its "
                            f"movements")
    return problems


def posted_keys(*, prefixes: tuple[str, ...]) -> list[str]:
    """Posting keys that start with any of `prefixes` (a payable's reversals, say)."""
    from django.db.models import Q

    query = Q()
    for prefix in prefixes:
        query |= Q(key__startswith=prefix)
    return list(LedgerTransaction.objects.unscoped().filter(query).values_list("key", flat=True))


# --- Gift cards -------------------------------------------------------------------------------
@transaction.atomic
def giftcard_issue(*, tenant: Any, card_holder: str, value_cents: int,
                   payment_id: int | None = None) -> tuple[LedgerTransaction, bool]:
    """A gift card was sold for `value`: that part of the sale is not the shop's revenue but a
    promise, so it leaves the shop's pending (its hold shrinks) and the platform's fee on it is
    given back; both go to `giftcards`, owed to whoever redeems the card. The fee is taken when
    the credit is spent, as on any sale from credit (never twice)."""
    value = parse_cents(value_cents)
    key = f"giftcard:issue:{card_holder}"
    done = LedgerTransaction.objects.unscoped().filter(key=key).first()
    if done is not None:
        return done, False
    accounts, credit = tenant_accounts(tenant), credit_accounts(tenant)
    pending, fees = accounts[K.PENDING], platform_account(K.FEES, tenant=tenant)
    locked = _lock([pending, fees, credit[K.GIFTCARDS]])
    # The sale was posted in this same transaction, so pending holds at least its net; the
    # min() only absorbs a centavo of fee rounding between the sale's parts.
    net = min(value - fee_cents(value, wallet_policy(tenant).fee_percent),
              max(locked[pending.pk].balance_cents, 0))
    fee = value - net
    entries = [(credit[K.GIFTCARDS], -value)]
    entries += [(pending, net)] if net else []
    entries += [(fees, fee)] if fee else []
    txn, created = credit_post(key=key, tenant=tenant, kind=Kind.GIFTCARD_ISSUE, entries=entries,
                               moves=[(K.GIFTCARDS, card_holder, value)])
    if created and net:
        _shrink_holds(tenant=tenant, amount=net, payment_id=payment_id)
    return txn, created


@transaction.atomic
def giftcard_redeem(*, tenant: Any, card_holder: str, holder: str) -> int:
    """The card's whole value moves to the buyer's balance, once: a second redemption (even a
    concurrent one, serialised by the card's holding lock) finds nothing left and is refused."""
    credit = credit_accounts(tenant)
    _lock([credit[K.CREDIT], credit[K.GIFTCARDS]])
    card_key = (K.GIFTCARDS, card_holder)
    value = _lock_holdings(tenant, [card_key, (K.CREDIT, holder)])[card_key].balance_cents
    if value <= 0:
        raise CreditError(_("This gift card was already redeemed."))
    _txn, created = credit_post(
        key=f"giftcard:redeem:{card_holder}", tenant=tenant, kind=Kind.GIFTCARD_REDEEM,
        entries=[(credit[K.GIFTCARDS], value), (credit[K.CREDIT], -value)],
        moves=[(*card_key, -value), (K.CREDIT, holder, value)])
    if not created:
        raise CreditError(_("This gift card was already redeemed."))
    return value


@transaction.atomic
def giftcard_void(*, tenant: Any, card_holder: str) -> int:
    """The card's sale was refunded before anyone redeemed it: the promise ends and its value
    goes back to the shop's available balance (the refund already took the sale's money)."""
    accounts, credit = tenant_accounts(tenant), credit_accounts(tenant)
    _lock([accounts[K.AVAILABLE], credit[K.GIFTCARDS]])
    card_key = (K.GIFTCARDS, card_holder)
    value = _lock_holdings(tenant, [card_key])[card_key].balance_cents
    if value <= 0:
        return 0
    _txn, created = credit_post(
        key=f"giftcard:void:{card_holder}", tenant=tenant, kind=Kind.CREDIT_RETURN,
        entries=[(credit[K.GIFTCARDS], value), (accounts[K.AVAILABLE], -value)],
        moves=[(*card_key, -value)])
    return value if created else 0


# --- Affiliate commissions --------------------------------------------------------------------
# An affiliate's commissions are their own sub-ledger (`commissions`, one holding per affiliate,
# held by their buyer holder "customer:<id>"): not store credit, because only commission may
# leave by PIX (a top-up withdrawn would turn the platform into a cash-out). From there the
# affiliate either moves it to their store credit (spent at checkout like any balance) or
# withdraws it through the operators' queue (`commissions_out`, one holding per withdrawal).
def affiliate_payout_holder(withdrawal_id: int) -> str:
    return f"withdrawal:{withdrawal_id}"


def commission_balance(*, tenant: Any, holder: str) -> int:
    return credit_balance(tenant=tenant, holder=holder, kind=K.COMMISSIONS)


@transaction.atomic
def commission_post(*, tenant: Any, key: str, holder: str, amount_cents: int) -> bool:
    """A released sale's commission: from the shop's available balance to the affiliate's
    commissions. False, posting nothing, when the shop's available balance cannot cover it now
    (it may not go negative but through refunds): the caller tries again later."""
    amount = parse_cents(amount_cents)
    available, credit = tenant_accounts(tenant)[K.AVAILABLE], credit_accounts(tenant)
    if _lock([available, credit[K.COMMISSIONS]])[available.pk].balance_cents < amount:
        return False
    _txn, created = credit_post(key=key, tenant=tenant, kind=Kind.COMMISSION,
                                entries=[(available, amount), (credit[K.COMMISSIONS], -amount)],
                                moves=[(K.COMMISSIONS, holder, amount)])
    return created


@transaction.atomic
def commission_reverse(*, tenant: Any, key: str, holder: str, amount_cents: int) -> int:
    """A refund after the commission was posted: the shop gets it back from the affiliate's
    commissions as far as they go. Returns what could not be taken (withdrawn or moved to
    credit already: the affiliate's debt, which the caller keeps; later commissions and
    commissions returned by a rejected withdrawal pay it, commission_debt_settle)."""
    amount = parse_cents(amount_cents)
    available, credit = tenant_accounts(tenant)[K.AVAILABLE], credit_accounts(tenant)
    _lock([available, credit[K.COMMISSIONS]])
    have = _lock_holdings(tenant, [(K.COMMISSIONS, holder)])[(K.COMMISSIONS, holder)]
    taken = min(amount, have.balance_cents)
    if taken:
        _txn, created = credit_post(
            key=key, tenant=tenant, kind=Kind.COMMISSION_REVERSE,
            entries=[(credit[K.COMMISSIONS], taken), (available, -taken)],
            moves=[(K.COMMISSIONS, holder, -taken)])
        if not created:  # a replay: what that posting took is what it took
            return 0
    return amount - taken


@transaction.atomic
def commission_debt_settle(*, tenant: Any, key: str, holder: str, debt_cents: int) -> int:
    """Pay the affiliate's debt from their commissions, as far as they go; returns how much."""
    if debt_cents <= 0:
        return 0
    available, credit = tenant_accounts(tenant)[K.AVAILABLE], credit_accounts(tenant)
    _lock([available, credit[K.COMMISSIONS]])
    have = _lock_holdings(tenant, [(K.COMMISSIONS, holder)])[(K.COMMISSIONS, holder)]
    taken = min(debt_cents, have.balance_cents)
    if taken <= 0:
        return 0
    _txn, created = credit_post(key=key, tenant=tenant, kind=Kind.COMMISSION_REVERSE,
                                entries=[(credit[K.COMMISSIONS], taken), (available, -taken)],
                                moves=[(K.COMMISSIONS, holder, -taken)])
    return taken if created else 0


@transaction.atomic
def commission_to_credit(*, tenant: Any, key: str, holder: str, amount_cents: int) -> bool:
    """Move `amount` of the affiliate's commissions to their store credit, once per `key`.
    Raises CreditError, posting nothing, beyond what they hold; False for a replayed key."""
    amount = parse_cents(amount_cents)
    credit = credit_accounts(tenant)
    _lock([credit[K.CREDIT], credit[K.COMMISSIONS]])
    _txn, created = credit_post(
        key=key, tenant=tenant, kind=Kind.COMMISSION_TO_CREDIT,
        entries=[(credit[K.COMMISSIONS], amount), (credit[K.CREDIT], -amount)],
        moves=[(K.COMMISSIONS, holder, -amount), (K.CREDIT, holder, amount)])
    return created


@transaction.atomic
def payout_request(*, tenant: Any, holder: str, amount_cents: Any, pix_key_type: str,
                   pix_key: str, request_key: str) -> tuple[Any, bool]:
    """An affiliate asks for `amount` of their commissions by PIX: a Withdrawal in the same
    operators' queue as the shops' (payee = the affiliate), the money moved to
    `commissions_out` until an operator pays or rejects it. One row per `request_key`
    (a retried request returns the first, False). Raises WalletError/CreditError."""
    done = Withdrawal.objects.for_tenant(tenant).filter(request_key=request_key).first()
    if done is not None:
        return done, False
    amount, key = withdrawal_terms(tenant=tenant, amount_cents=amount_cents,
                                   pix_key_type=pix_key_type, pix_key=pix_key)
    credit = credit_accounts(tenant)
    _lock([credit[K.COMMISSIONS], credit[K.COMMISSIONS_OUT]])
    withdrawal = Withdrawal.objects.create(tenant=tenant, amount_cents=amount, payee=holder,
                                           pix_key_type=pix_key_type, pix_key=key,
                                           request_key=request_key)
    credit_post(key=withdrawal.step_key("request"), tenant=tenant, kind=Kind.WITHDRAWAL,
                entries=[(credit[K.COMMISSIONS], amount), (credit[K.COMMISSIONS_OUT], -amount)],
                moves=[(K.COMMISSIONS, holder, -amount),
                       (K.COMMISSIONS_OUT, affiliate_payout_holder(withdrawal.pk), amount)])
    audit.record(actor=None, tenant=tenant, action="affiliates.withdrawal.request",
                 target=withdrawal, data={"amount": amount, "payee": holder,
                                          "pix_key_type": pix_key_type})
    return withdrawal, True


def payout_decide(*, withdrawal: Any, step: str, kind: str, paid: bool) -> None:
    """An operator paid (to the platform's payouts) or rejected/cancelled (back to the
    affiliate's commissions) an affiliate's withdrawal; the caller holds its row lock."""
    tenant, amount = withdrawal.tenant, withdrawal.amount_cents
    credit = credit_accounts(tenant)
    out = (K.COMMISSIONS_OUT, affiliate_payout_holder(withdrawal.pk), -amount)
    if paid:
        target = platform_account(K.PAYOUTS, withdrawal.currency)
        moves = [out]
    else:
        target = credit[K.COMMISSIONS]
        moves = [out, (K.COMMISSIONS, withdrawal.payee, amount)]
    credit_post(key=withdrawal.step_key(step), tenant=tenant, kind=kind, memo=withdrawal.reason,
                entries=[(credit[K.COMMISSIONS_OUT], amount), (target, -amount)], moves=moves)
