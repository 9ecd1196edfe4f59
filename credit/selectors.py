"""Reads of store credit for the portal and the bot: what the shop owes, to whom, and a buyer's
balance and history (from the ledger's sub-ledger, wallet/credit.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, Sum

from credit.models import GiftCard, TopUp
from sales.models import Customer
from wallet import credit as ledger


@dataclass(frozen=True)
class BuyerBalance:
    customer: Customer
    balance_cents: int


def owed(*, tenant: Any) -> dict[str, int]:
    return ledger.credit_owed(tenant=tenant)


def buyers_owed(*, tenant: Any, limit: int = 50) -> list[BuyerBalance]:
    rows = ledger.credit_holders(tenant=tenant)[:limit]
    ids = {int(holder.split(":", 1)[1]): cents for holder, cents in rows}
    customers = Customer.objects.for_tenant(tenant).in_bulk(list(ids))
    return [BuyerBalance(customer=customers[pk], balance_cents=cents)
            for pk, cents in ids.items() if pk in customers]


def recent_topups(*, tenant: Any, limit: int = 10) -> list[TopUp]:
    return list(TopUp.objects.for_tenant(tenant).select_related("customer")[:limit])


def buyer_balance(*, customer: Customer) -> int:
    return ledger.credit_balance(tenant=customer.tenant_id,
                                 holder=ledger.customer_holder(customer.pk))


def buyer_history(*, customer: Customer, limit: int = 10) -> list[ledger.CreditLine]:
    return ledger.credit_history(tenant=customer.tenant_id,
                                 holder=ledger.customer_holder(customer.pk), limit=limit)


def giftcard_summary(*, tenant: Any) -> dict[str, int]:
    """Codes in stock, sold but not redeemed (and their value), redeemed."""
    S = GiftCard.Status
    return GiftCard.objects.for_tenant(tenant).aggregate(
        unsold=Count("id", filter=Q(status=S.UNSOLD)),
        issued=Count("id", filter=Q(status=S.ISSUED)),
        issued_cents=Sum("value_cents", filter=Q(status=S.ISSUED), default=0),
        redeemed=Count("id", filter=Q(status=S.REDEEMED)))
