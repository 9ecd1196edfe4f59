"""Reads of the wallet: balances, holds, statements, platform totals and the ledger check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import BigIntegerField, Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from wallet.models import (
    DEBIT_NORMAL,
    TENANT_KINDS,
    Account,
    AccountKind,
    Entry,
    Hold,
    LedgerTransaction,
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


def balances(*, tenant: Any) -> Balances:
    """Read from the running totals: one indexed query whatever the ledger's size."""
    rows = Account.objects.for_tenant(tenant).values_list("kind", "balance_cents")
    return Balances(**{kind: cents for kind, cents in rows if kind in TENANT_KINDS})


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
    return Withdrawal.objects.for_tenant(tenant).order_by("-created_at", "-id")


def withdrawal_queue() -> QuerySet:
    """Operators' queue: pending withdrawals, oldest first (cross-tenant by name)."""
    return (Withdrawal.objects.unscoped().filter(status=Withdrawal.Status.PENDING)
            .select_related("tenant").order_by("created_at", "id"))


def platform_totals() -> dict[str, int]:
    """GMV (gross received), fees, payouts, refunds, and money held for tenants, by state."""
    platform = dict(Account.objects.unscoped().filter(tenant__isnull=True)
                    .values_list("kind", "balance_cents"))
    held = dict(Account.objects.unscoped().filter(tenant__isnull=False).values("kind")
                .annotate(total=Sum("balance_cents")).values_list("kind", "total"))
    debt = (Account.objects.unscoped().filter(kind=K.AVAILABLE, balance_cents__lt=0)
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
def _debit_positive() -> Case:
    return Case(When(side=Side.DEBIT, then=F("amount_cents")), default=-F("amount_cents"),
                output_field=BigIntegerField())


def ledger_verify() -> list[str]:
    """Every difference between the books and their invariants; empty when all is well.

    Recomputes each account's balance from its entries, checks each transaction balances and
    has entries, that the platform's books close, and that the unreleased holds of each tenant
    add up to its pending balance.
    """
    problems: list[str] = []
    sums = dict(Entry.objects.unscoped().values("account").annotate(s=Sum(_debit_positive()))
                .values_list("account", "s"))
    totals = {K.CLEARING: 0, "rest": 0}
    for account in Account.objects.unscoped().select_related("tenant").order_by("pk"):
        debit_positive = sums.get(account.pk, 0) or 0
        expected = debit_positive if account.kind in DEBIT_NORMAL else -debit_positive
        if account.balance_cents != expected:
            problems.append(f"account {account} (#{account.pk}): balance "
                            f"{account.balance_cents} != {expected} from its entries")
        totals[K.CLEARING if account.kind in DEBIT_NORMAL else "rest"] += account.balance_cents
    unbalanced = (Entry.objects.unscoped().values("transaction")
                  .annotate(s=Sum(_debit_positive()), n=Count("id"))
                  .filter(~Q(s=0) | Q(n__lt=2)).values_list("transaction__key", "s", "n"))
    problems += [f"transaction {key}: {n} entries, off by {s}" for key, s, n in unbalanced]
    empty = LedgerTransaction.objects.unscoped().filter(entries__isnull=True)
    problems += [f"transaction {key}: no entries" for key in empty.values_list("key", flat=True)]
    if totals[K.CLEARING] != totals["rest"]:
        problems.append(f"books open: clearing {totals[K.CLEARING]} != tenant balances + fees "
                        f"+ payouts + refunds {totals['rest']}")
    problems += _holds_problems()
    return problems


def _holds_problems() -> list[str]:
    held = dict(Hold.objects.unscoped().filter(released_at__isnull=True).values("tenant")
                .annotate(s=Sum("remaining_cents")).values_list("tenant", "s"))
    pending = Account.objects.unscoped().filter(kind=K.PENDING).values_list("tenant",
                                                                           "balance_cents")
    return [f"tenant #{tenant}: pending {cents} != unreleased holds {held.get(tenant, 0)}"
            for tenant, cents in pending if cents != held.get(tenant, 0)]
