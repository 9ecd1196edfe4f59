"""Reads of the wallet: balances, holds, statements, platform totals and the ledger check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import BigIntegerField, Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from wallet.credit import credit_problems
from wallet.models import (
    CURRENCY,
    DEBIT_NORMAL,
    MAY_GO_NEGATIVE,
    TENANT_KINDS,
    Account,
    AccountKind,
    Entry,
    Hold,
    LedgerTransaction,
    SettledSale,
    Side,
    Withdrawal,
)

K = AccountKind
Kind = LedgerTransaction.Kind
ZERO = Value(0, output_field=BigIntegerField())


@dataclass(frozen=True)
class Balances:
    pending: int = 0
    available: int = 0
    withdrawing: int = 0

    @property
    def in_debt(self) -> bool:
        return self.available < 0

    @property
    def total(self) -> int:
        return self.pending + self.available + self.withdrawing


def balances(*, tenant: Any, currency: str = CURRENCY) -> Balances:
    """Read from the running totals: one indexed query whatever the ledger's size. One
    currency at a time: amounts in different currencies are never added."""
    rows = Account.objects.for_tenant(tenant).filter(currency=currency).values_list(
        "kind", "balance_cents")
    return Balances(**{kind: cents for kind, cents in rows if kind in TENANT_KINDS})


@dataclass(frozen=True)
class CurrencyBooks:
    """One currency's part of a tenant's wallet (never added to another currency's)."""

    currency: str
    balances: Balances
    settled: int  # sales paid straight into the shop's own provider account


def books_by_currency(*, tenant: Any) -> list[CurrencyBooks]:
    """Each currency the tenant has accounts in, reais first: one query on running totals."""
    rows = Account.objects.for_tenant(tenant).values_list("currency", "kind", "balance_cents")
    found: dict[str, dict[str, int]] = {}
    for currency, kind, cents in rows:
        found.setdefault(currency, {})[kind] = cents
    order = sorted(found, key=lambda c: (c != CURRENCY, c))
    return [CurrencyBooks(currency=c, settled=found[c].get(K.SETTLED, 0),
                          balances=Balances(**{k: v for k, v in found[c].items()
                                               if k in TENANT_KINDS}))
            for c in order]


def upcoming_releases(*, tenant: Any, limit: int = 7) -> list[dict]:
    """Pending money by the day it becomes available."""
    return list(Hold.objects.for_tenant(tenant)
                .filter(released_at__isnull=True, remaining_cents__gt=0)
                .annotate(day=TruncDate("release_at")).values("day")
                .annotate(total=Sum("remaining_cents"), sales=Count("id"))
                .order_by("day")[:limit])


def statement(*, tenant: Any, account: str = "", kind: str = "",
              date_from: date | None = None, date_to: date | None = None) -> QuerySet:
    """The tenant's entries, newest first, each signed as it moved its account's balance."""
    entries = (Entry.objects.for_tenant(tenant).select_related("transaction", "account")
               .annotate(signed=Case(When(side=Side.CREDIT, then=F("amount_cents")),
                                     default=-F("amount_cents"),
                                     output_field=BigIntegerField()))
               .order_by("-id"))
    if account:
        entries = entries.filter(account__kind=account)
    if kind:
        entries = entries.filter(transaction__kind=kind)
    if date_from:
        entries = entries.filter(created_at__date__gte=date_from)
    if date_to:
        entries = entries.filter(created_at__date__lte=date_to)
    return entries


def daily_net_sales(*, tenant: Any, days: int = 30) -> list[tuple[date, int]]:
    """Per day: the tenant's share of sales minus refunds and chargebacks (what it earned)."""
    today = timezone.localdate()
    start = today - timedelta(days=days - 1)
    rows = (Entry.objects.for_tenant(tenant)
            .filter(transaction__kind__in=[Kind.SALE, Kind.REFUND, Kind.CHARGEBACK],
                    created_at__date__gte=start)
            .annotate(day=TruncDate("created_at")).values("day")
            .annotate(net=Sum(Case(When(side=Side.CREDIT, then=F("amount_cents")),
                                   default=-F("amount_cents"), output_field=BigIntegerField())))
            .order_by("day"))
    by_day = {row["day"]: row["net"] for row in rows}
    return [(start + timedelta(days=i), by_day.get(start + timedelta(days=i), 0))
            for i in range(days)]


def withdrawals(*, tenant: Any) -> QuerySet:
    """The shop's own withdrawals (its affiliates' are theirs: affiliates.selectors)."""
    return Withdrawal.objects.for_tenant(tenant).filter(payee="").order_by("-created_at", "-id")


def withdrawal_queue() -> QuerySet:
    """Operators' queue: pending withdrawals, oldest first (cross-tenant by name)."""
    return (Withdrawal.objects.unscoped().filter(status=Withdrawal.Status.PENDING)
            .select_related("tenant").order_by("created_at", "id"))


def platform_balance(kind: str, currency: str = CURRENCY) -> int:
    """A platform kind's balance: the sum of its shards' running balances (models.SHARDED_KINDS;
    one row for the other kinds), so the read costs the same however long the ledger grows."""
    return (Account.objects.unscoped().filter(tenant__isnull=True, kind=kind, currency=currency)
            .aggregate(total=Coalesce(Sum("balance_cents"), ZERO))["total"])


def platform_totals(currency: str = CURRENCY) -> dict[str, int]:
    """GMV (gross received), fees, payouts, refunds, and money held for tenants, by state, in
    one currency (amounts in different currencies are never added)."""
    # Summed per kind: clearing and fees are split into shards (models.SHARDED_KINDS).
    accounts = Account.objects.unscoped().filter(currency=currency)
    platform = dict(accounts.filter(tenant__isnull=True).values("kind")
                    .annotate(total=Sum("balance_cents")).values_list("kind", "total"))
    held = dict(accounts.filter(tenant__isnull=False).values("kind")
                .annotate(total=Sum("balance_cents")).values_list("kind", "total"))
    debt = (accounts.filter(kind=K.AVAILABLE, balance_cents__lt=0)
            .aggregate(total=Coalesce(Sum("balance_cents"), ZERO))["total"])
    queue = withdrawal_queue().aggregate(count=Count("id"),
                                         total=Coalesce(Sum("amount_cents"), ZERO))
    totals = {kind: platform.get(kind, 0) for kind in (K.CLEARING, K.FEES, K.PAYOUTS,
                                                       K.REFUNDS)}
    totals |= {f"held_{kind}": held.get(kind, 0) or 0 for kind in TENANT_KINDS}
    totals["held"] = sum(totals[f"held_{kind}"] for kind in TENANT_KINDS)
    totals |= {"debt": -debt, "queue_count": queue["count"], "queue_total": queue["total"]}
    return totals


# --- The ledger check (wallet_verify) -----------------------------------------------------------
# What each account kind must satisfy; ledger_verify checks every one (and a test checks that
# every kind has a rule). "Never negative" is also a CHECK constraint on the table, but
# wallet_verify is what notices a database whose constraints were bypassed or dropped.
KIND_RULES: dict[str, str] = {
    K.PENDING: "never negative; equals the tenant's unreleased holds",
    K.AVAILABLE: "may be negative (the tenant's debt) only as far as refunds and chargebacks "
                 "took it: withdrawals never exceed what was credited",
    K.WITHDRAWING: "never negative; equals the tenant's pending withdrawals",
    K.CLEARING: "never negative",
    K.FEES: "never negative",
    K.PAYOUTS: "never negative; equals the paid withdrawals",
    K.REFUNDS: "never negative",
    K.CREDIT: "never negative; equals the sum of the shop's buyers' store credit balances",
    K.CREDIT_RESERVED: "never negative; equals the credit applied to the shop's unpaid orders",
    K.GIFTCARDS: "never negative; equals the shop's issued, unredeemed gift cards",
    K.COMMISSIONS: "never negative; equals the sum of the shop's affiliates' commissions",
    K.COMMISSIONS_OUT: "never negative; equals the affiliates' pending withdrawals",
    K.SETTLED: "never negative; equals the tenant's settled sales less what was reversed of "
               "them (wallet/settled.py)",
}


def _debit_positive() -> Case:
    return Case(When(side=Side.DEBIT, then=F("amount_cents")), default=-F("amount_cents"),
                output_field=BigIntegerField())


def ledger_verify() -> list[str]:
    """Every difference between the books and their invariants; empty when all is well.

    Recomputes each account's balance from its entries, checks each account against its kind's
    rule (KIND_RULES), that entries are filed under their account's tenant, that each
    transaction balances and has entries, and that the platform's books close.
    """
    problems: list[str] = []
    accounts = list(Account.objects.unscoped().select_related("tenant").order_by("pk"))
    owner = {account.pk: account.tenant_id for account in accounts}
    sums: dict[int, int] = {}
    for account_id, tenant_id, total in (Entry.objects.unscoped().values("account", "tenant")
                                         .annotate(s=Sum(_debit_positive()))
                                         .values_list("account", "tenant", "s")):
        sums[account_id] = sums.get(account_id, 0) + (total or 0)
        if tenant_id != owner.get(account_id):
            problems.append(f"account #{account_id}: entries filed under tenant #{tenant_id}, "
                            f"not the account's")
    # The books close per currency: amounts in different currencies are never added.
    totals: dict[str, dict[str, int]] = {}
    computed: dict[int, int] = {}
    for account in accounts:
        debit_positive = sums.get(account.pk, 0)
        expected = debit_positive if account.kind in DEBIT_NORMAL else -debit_positive
        computed[account.pk] = expected
        if account.balance_cents != expected:
            problems.append(f"account {account} (#{account.pk}): balance "
                            f"{account.balance_cents} != {expected} from its entries")
        side = K.CLEARING if account.kind in DEBIT_NORMAL else "rest"
        books = totals.setdefault(account.currency, {K.CLEARING: 0, "rest": 0})
        books[side] += account.balance_cents
    problems += _kind_problems(accounts, computed)
    problems += credit_problems()  # each credit account against its holders (wallet/credit.py)
    unbalanced = (Entry.objects.unscoped().values("transaction")
                  .annotate(s=Sum(_debit_positive()), n=Count("id"))
                  .filter(~Q(s=0) | Q(n__lt=2)).values_list("transaction__key", "s", "n"))
    problems += [f"transaction {key}: {n} entries, off by {s}" for key, s, n in unbalanced]
    empty = LedgerTransaction.objects.unscoped().filter(entries__isnull=True)
    problems += [f"transaction {key}: no entries" for key in empty.values_list("key", flat=True)]
    for currency, books in sorted(totals.items()):
        if books[K.CLEARING] != books["rest"]:
            problems.append(f"books open ({currency}): clearing {books[K.CLEARING]} != tenant "
                            f"balances + settled + fees + payouts + refunds {books['rest']}")
    return problems


def _kind_problems(accounts: list[Account], computed: dict[int, int]) -> list[str]:
    """Each account against KIND_RULES, on its stored balance and on its entries' sum alike."""
    problems: list[str] = []
    reversed_from = dict(
        Entry.objects.unscoped()
        .filter(account__kind=K.AVAILABLE, side=Side.DEBIT,
                transaction__kind__in=[Kind.REFUND, Kind.CHARGEBACK])
        .values("account").annotate(s=Sum("amount_cents")).values_list("account", "s"))
    # Keyed by (tenant, currency): each currency's accounts against its own holds/requests.
    held = {(t, c): v for t, c, v in Hold.objects.unscoped().filter(released_at__isnull=True)
            .values("tenant", "currency").annotate(s=Sum("remaining_cents"))
            .values_list("tenant", "currency", "s")}
    requested = {(t, c): v for t, c, v in Withdrawal.objects.unscoped()
                 .filter(status=Withdrawal.Status.PENDING, payee="").values("tenant", "currency")
                 .annotate(s=Sum("amount_cents")).values_list("tenant", "currency", "s")}
    paying = {(t, c): v for t, c, v in Withdrawal.objects.unscoped()
              .filter(status=Withdrawal.Status.PENDING).exclude(payee="")
              .values("tenant", "currency").annotate(s=Sum("amount_cents"))
              .values_list("tenant", "currency", "s")}
    paid_by = dict(Withdrawal.objects.unscoped().filter(status=Withdrawal.Status.PAID)
                   .values("currency").annotate(s=Sum("amount_cents"))
                   .values_list("currency", "s"))
    settled = {(t, c): v for t, c, v in SettledSale.objects.unscoped()
               .values("tenant", "currency")
               .annotate(s=Sum(F("gross_cents") - F("fee_cents") - F("reversed_cents")
                               + F("fee_returned_cents")))
               .values_list("tenant", "currency", "s")}
    for account in accounts:
        lowest = min(account.balance_cents, computed[account.pk])
        name = f"account {account} (#{account.pk})"
        if account.kind not in MAY_GO_NEGATIVE and lowest < 0:
            problems.append(f"{name}: {account.kind} balance {lowest} is negative; "
                            f"rule: {KIND_RULES[account.kind]}")
        if account.kind == K.AVAILABLE and lowest < -reversed_from.get(account.pk, 0):
            problems.append(f"{name}: available {lowest} is more debt than its refunds and "
                            f"chargebacks ({reversed_from.get(account.pk, 0)}) explain")
        expected = {K.PENDING: (held, "unreleased holds"),
                    K.WITHDRAWING: (requested, "pending withdrawals"),
                    K.COMMISSIONS_OUT: (paying, "affiliates' pending withdrawals"),
                    K.SETTLED: (settled, "settled sales less reversals")}.get(account.kind)
        if expected is not None:
            by_tenant, what = expected
            want = by_tenant.get((account.tenant_id, account.currency), 0) or 0
            if account.balance_cents != want:
                problems.append(f"tenant #{account.tenant_id}: {account.kind} "
                                f"{account.balance_cents} != {what} {want}")
        paid = paid_by.get(account.currency, 0) or 0
        if account.kind == K.PAYOUTS and account.balance_cents != paid:
            problems.append(f"{name}: payouts {account.balance_cents} != paid withdrawals {paid}")
    return problems
