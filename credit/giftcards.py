"""Gift cards: codes made here and sold as stock, issued in the ledger when their order is paid,
redeemed once into a buyer's balance, voided if their sale is refunded before that.

Codes are 20 random characters from a 32-letter alphabet without look-alikes (100 bits, from
`secrets`): unguessable, and a buyer gets only a few redemption tries per window anyway.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from catalog.models import StockItem, Variant
from catalog.services import stock_add
from credit.models import GiftCard
from credit.services import CreditRefused
from sales.models import Customer, Order, OrderLine
from wallet import credit as ledger

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
GROUPS, GROUP_LEN = 5, 4
MAX_BATCH = 500
TRIES_PER_WINDOW, WINDOW_SECONDS = 5, 600


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _i in range(GROUPS * GROUP_LEN))
    return "GIFT-" + "-".join(raw[i:i + GROUP_LEN] for i in range(0, len(raw), GROUP_LEN))


def normalize(code: str) -> str:
    """What the buyer typed, as the code was made: upper case, groups joined by dashes."""
    letters = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    if letters.startswith("GIFT"):
        letters = letters[4:]
    if len(letters) != GROUPS * GROUP_LEN:
        return ""
    return "GIFT-" + "-".join(letters[i:i + GROUP_LEN] for i in range(0, len(letters), GROUP_LEN))


@transaction.atomic
def giftcards_create(*, variant: Variant, actor: Any, count: int) -> int:
    """`count` new codes as stock items of `variant` (a stock variant: the code is delivered by
    the usual stock DM). Returns how many were made."""
    if not variant.uses_stock:
        raise CreditRefused("giftcard_variant", _("Gift cards need an option that delivers "
                                                  "stock items."))
    if not 1 <= count <= MAX_BATCH:
        raise CreditRefused("giftcard_count", _("Create between 1 and %(max)s gift cards at a "
                                                "time.") % {"max": MAX_BATCH})
    codes = [new_code() for _i in range(count)]
    stock_add(variant=variant, actor=actor, lines=codes)
    prints = {StockItem.fingerprint_of(code) for code in codes}
    items = StockItem.objects.for_tenant(variant.tenant).filter(variant=variant,
                                                                  fingerprint__in=prints)
    GiftCard.objects.bulk_create([GiftCard(tenant=variant.tenant, variant=variant,
                                           stock_item=item, fingerprint=item.fingerprint)
                                  for item in items])
    audit.record(actor=actor, tenant=variant.tenant, action="credit.giftcards.create",
                 target=variant, data={"count": len(prints)})
    return len(prints)


def on_order_paid(sender: Any, order: Order, **_kwargs: Any) -> None:
    """sales.signals.order_paid: each gift card sold in the order becomes a liability of the
    shop worth what was paid for it (posted once per card)."""
    cards = list(GiftCard.objects.for_tenant(order.tenant_id).select_for_update()
                 .filter(stock_item__order_ref=order.pk, status=GiftCard.Status.UNSOLD)
                 .order_by("pk"))
    if not cards:
        return
    prices = _unit_prices(order)
    for card in cards:
        value = prices.get(card.variant_id, 0)
        if value <= 0:
            continue
        ledger.giftcard_issue(tenant=order.tenant, card_holder=ledger.giftcard_holder(card.pk),
                              value_cents=value)
        card.status, card.value_cents, card.order_ref = GiftCard.Status.ISSUED, value, order.pk
        card.save(update_fields=["status", "value_cents", "order_ref"])


def _unit_prices(order: Order) -> dict[int, int]:
    """What the buyer paid for one unit of each line (after the coupon), rounded down: a card
    is never worth more than was paid for it."""
    return {line.variant_id: line.line_total_cents // line.quantity
            for line in OrderLine.objects.for_tenant(order.tenant_id).filter(order=order)
            if line.quantity}


def on_order_revoked(sender: Any, order: Order, status: str = "", **_kwargs: Any) -> None:
    """Refunded or charged back: the order's unredeemed cards are voided (a redeemed one stays
    redeemed; that credit is the buyer's now and the shop's loss)."""
    cards = GiftCard.objects.for_tenant(order.tenant_id).select_for_update().filter(
        order_ref=order.pk, status=GiftCard.Status.ISSUED)
    for card in cards:
        ledger.giftcard_void(tenant=order.tenant, card_holder=ledger.giftcard_holder(card.pk))
        card.status = GiftCard.Status.VOID
        card.save(update_fields=["status"])


def _tries_key(customer: Customer) -> str:
    return f"credit:redeem-tries:{customer.tenant_id}:{customer.pk}"


def giftcard_redeem(*, customer: Customer, code: str) -> int:
    """Credit the card's value to the buyer's balance, once. Refused (CreditRefused) when the
    code is unknown, not sold, already used or voided, or the buyer tried too often."""
    key = _tries_key(customer)
    cache.add(key, 0, WINDOW_SECONDS)
    if cache.incr(key) > TRIES_PER_WINDOW:
        raise CreditRefused("redeem_rate_limited", _("Too many tries. Wait a few minutes and "
                                                     "try again."))
    return _redeem(customer=customer, fingerprint=StockItem.fingerprint_of(normalize(code))
                   if normalize(code) else "")


@transaction.atomic
def _redeem(*, customer: Customer, fingerprint: str) -> int:
    card = (GiftCard.objects.for_tenant(customer.tenant_id).select_for_update()
            .filter(fingerprint=fingerprint).first()) if fingerprint else None
    if card is None or card.status == GiftCard.Status.UNSOLD:
        raise CreditRefused("giftcard_unknown", _("This gift card code is not valid."))
    if card.status != GiftCard.Status.ISSUED:
        raise CreditRefused("giftcard_used", _("This gift card was already redeemed."))
    try:
        value = ledger.giftcard_redeem(tenant=customer.tenant,
                                       card_holder=ledger.giftcard_holder(card.pk),
                                       holder=ledger.customer_holder(customer.pk))
    except ledger.CreditError:
        raise CreditRefused("giftcard_used", _("This gift card was already redeemed.")) from None
    card.status, card.redeemed_by, card.redeemed_at = (GiftCard.Status.REDEEMED, customer,
                                                       timezone.now())
    card.save(update_fields=["status", "redeemed_by", "redeemed_at"])
    audit.record(actor=None, tenant=customer.tenant, action="credit.giftcard.redeem",
                 target=card, data={"customer": customer.pk, "value": value})
    return value
