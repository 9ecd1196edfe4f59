"""Reads of affiliates: an affiliate's stats (also the portal's per-affiliate row), the
program's totals, and the affiliates' withdrawals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from affiliates.models import Affiliate, Click, Commission
from wallet import credit as ledger
from wallet.models import Withdrawal

S = Commission.Status
W = Withdrawal.Status
EARNED = F("amount_cents") - F("reversed_cents")  # what partial refunds left of a commission


@dataclass(frozen=True)
class Stats:
    clicks: int  # uses of the code (coupon field, /afiliado codigo:)
    link_clicks: int  # counted clicks on the affiliate's links
    sales: int
    owed_cents: int  # pending: paid once the sales' holds are released
    paid_cents: int  # posted to the affiliate's commissions
    debt_cents: int
    balance_cents: int  # their commissions now (neither withdrawn nor moved to credit)
    withdrawing_cents: int  # asked by PIX, waiting for an operator
    withdrawn_cents: int  # paid out by PIX


def _commission_sums(query: QuerySet) -> dict[str, int]:
    return query.aggregate(
        sales=Count("id", filter=Q(status__in=[S.PENDING, S.POSTED])),
        owed=Sum(EARNED, filter=Q(status=S.PENDING), default=0),
        paid=Sum(EARNED, filter=Q(status__in=[S.POSTED, S.REVERSED]), default=0))


def _withdrawal_sums(query: QuerySet) -> dict[str, int]:
    return query.aggregate(out=Sum("amount_cents", filter=Q(status=W.PENDING), default=0),
                           paid=Sum("amount_cents", filter=Q(status=W.PAID), default=0))


def affiliate_stats(*, affiliate: Affiliate) -> Stats:
    tenant = affiliate.tenant_id
    holder = ledger.customer_holder(affiliate.customer_id)
    sums = _commission_sums(Commission.objects.for_tenant(tenant).filter(affiliate=affiliate))
    out = _withdrawal_sums(Withdrawal.objects.for_tenant(tenant).filter(payee=holder))
    return Stats(clicks=affiliate.clicks,
                 link_clicks=Click.objects.for_tenant(tenant).filter(affiliate=affiliate).count(),
                 sales=sums["sales"], owed_cents=sums["owed"], paid_cents=sums["paid"],
                 debt_cents=affiliate.debt_cents,
                 balance_cents=ledger.commission_balance(tenant=tenant, holder=holder),
                 withdrawing_cents=out["out"], withdrawn_cents=out["paid"])


@dataclass(frozen=True)
class Row:
    affiliate: Affiliate
    stats: Stats


def affiliates_page(*, tenant: Any, limit: int = 100) -> list[Row]:
    rows = (Affiliate.objects.for_tenant(tenant).select_related("customer")
            .annotate(n=Count("link_clicks")).order_by("-n", "-clicks", "pk")[:limit])
    return [Row(affiliate=a, stats=affiliate_stats(affiliate=a)) for a in rows]


def program_totals(*, tenant: Any) -> dict[str, int]:
    totals = _commission_sums(Commission.objects.for_tenant(tenant))
    out = _withdrawal_sums(Withdrawal.objects.for_tenant(tenant).exclude(payee=""))
    return {**totals, "link_clicks": Click.objects.for_tenant(tenant).count(),
            "withdrawing": out["out"], "withdrawn": out["paid"],
            "balance": ledger.credit_owed(tenant=tenant)["commissions"]}


@dataclass(frozen=True)
class PayoutRow:
    withdrawal: Withdrawal
    affiliate_name: str


def affiliate_withdrawals(*, tenant: Any, limit: int = 20) -> list[PayoutRow]:
    """The affiliates' withdrawals, newest first, each with whose it is (payee
    "customer:<id>", wallet.credit's holder)."""
    from sales.models import Customer

    rows = list(Withdrawal.objects.for_tenant(tenant).exclude(payee="")
                .order_by("-created_at", "-id")[:limit])
    ids = {int(w.payee.split(":", 1)[1]) for w in rows if w.payee.startswith("customer:")}
    names = {c.pk: str(c) for c in Customer.objects.for_tenant(tenant).filter(pk__in=ids)}
    return [PayoutRow(withdrawal=w, affiliate_name=names.get(
        int(w.payee.split(":", 1)[1]) if w.payee.startswith("customer:") else 0, ""))
        for w in rows]
