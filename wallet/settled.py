"""Sales settled at the provider: the buyer paid the shop's own account (Mercado Pago
connected account) and the provider split the platform's fee off at source.

The platform never held the shop's share, so nothing is pending, released or paid out:

    sale     (G gross, F fee):   clearing  D G  |  fees  C F  |  tenant `settled`  C G-F
    reversal (R, fee back f):    refunds   C R  |  fees  D f  |  tenant `settled`  D R-f

`clearing` stays "gross received at providers" and the books still close (the `settled`
balance stands where payouts stand for wallet sales). Mercado Pago gives the marketplace fee
back with a refund in proportion, so each reversal returns `f` of the fee, rounded so the
fee returned reaches exactly F when the whole sale is reversed. The posting keys are the
wallet's own (`sale:<payment>`, `refund:<id>`, `chargeback:payment:<id>`), so sales' replays
post nothing twice, whichever settlement the sale had.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

import audit
from wallet.models import Account, AccountKind, LedgerTransaction, SettledSale
from wallet.policy import fee_cents

K = AccountKind
Kind = LedgerTransaction.Kind


def settled_account(tenant: Any, currency: str = "BRL") -> Account:
    account, _created = Account.objects.for_tenant(tenant).get_or_create(
        tenant=tenant, kind=K.SETTLED, currency=currency)
    return account


def is_settled(payment_id: int) -> bool:
    return SettledSale.objects.unscoped().filter(payment_id=payment_id).exists()


@transaction.atomic
def settled_sale_record(*, tenant: Any, payment_id: int, gross_cents: int, fee: int,
                        method: str, currency: str = "BRL") -> LedgerTransaction:
    """An approved sale on the shop's own account: `fee` is what the provider paid us."""
    from wallet import services

    gross = services.parse_cents(gross_cents)
    if not 0 <= fee < gross:
        raise services.LedgerError("A settled sale's fee must be below its gross.")
    # The tenant's shards: a refund gives the fee back from the same row (settled_sale_reverse).
    clearing = services.platform_account(K.CLEARING, currency=currency, tenant=tenant)
    fees = services.platform_account(K.FEES, currency=currency, tenant=tenant)
    entries = [(clearing, gross)]
    entries += [(fees, -fee)] if fee else []
    entries += [(settled_account(tenant, currency), -(gross - fee))]
    txn, created = services.post_once(key=f"sale:{payment_id}", entries=entries, tenant=tenant,
                                      kind=Kind.SETTLED_SALE, memo=f"{method} settled")
    if created:
        SettledSale.objects.create(tenant=tenant, transaction=txn, payment_id=payment_id,
                                   method=method, currency=currency, gross_cents=gross,
                                   fee_cents=fee)
        audit.record(actor=None, tenant=tenant, action="wallet.settled_sale", target=txn,
                     data={"payment": payment_id, "gross": gross, "fee": fee,
                           "currency": currency, "method": method})
    return txn


@transaction.atomic
def settled_sale_reverse(*, tenant: Any, key: str, amount_cents: int, reason: str,
                         payment_id: int) -> LedgerTransaction:
    """A refund or chargeback of a settled sale: the shop's account paid it, and the
    provider gave back the matching share of our fee."""
    from wallet import services

    amount = services.parse_cents(amount_cents)
    existing = LedgerTransaction.objects.unscoped().filter(key=key).first()
    if existing is not None:
        return existing
    sale = SettledSale.objects.for_tenant(tenant).select_for_update().get(payment_id=payment_id)
    if amount > sale.gross_cents - sale.reversed_cents:
        raise services.LedgerError("A reversal cannot exceed what is left of the sale.")
    reversed_after = sale.reversed_cents + amount
    fee_after = (sale.fee_cents if reversed_after == sale.gross_cents
                 else fee_cents(reversed_after, _percent(sale)))
    fee_back = max(0, min(fee_after, sale.fee_cents) - sale.fee_returned_cents)
    currency = sale.currency
    entries = [(services.platform_account(K.REFUNDS, currency=currency, tenant=tenant), -amount)]
    entries += [(services.platform_account(K.FEES, currency=currency, tenant=tenant), fee_back)] \
        if fee_back else []
    entries += [(settled_account(tenant, currency), amount - fee_back)] \
        if amount - fee_back else []
    kind = Kind.CHARGEBACK if key.startswith("chargeback") else Kind.REFUND
    txn, created = services.post_once(key=key, entries=entries, tenant=tenant, kind=kind,
                                      memo=reason)
    if created:
        sale.reversed_cents = reversed_after
        sale.fee_returned_cents += fee_back
        sale.save(update_fields=["reversed_cents", "fee_returned_cents"])
        audit.record(actor=None, tenant=tenant, action=f"wallet.settled_{kind}", target=txn,
                     data={"amount": amount, "fee_returned": fee_back, "payment": payment_id,
                           "reason": reason})
    return txn


def _percent(sale: SettledSale):
    from decimal import Decimal

    return Decimal(sale.fee_cents) * 100 / Decimal(sale.gross_cents)
