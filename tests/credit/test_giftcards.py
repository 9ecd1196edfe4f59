"""Gift cards: made as stock, issued when sold, redeemed once (also under a real race),
voided on refund, rate-limited per buyer."""

from __future__ import annotations

import pytest
from django.db import connection

from catalog.models import StockItem
from credit import giftcards
from credit.models import GiftCard
from credit.services import CreditRefused
from payments.registry import Outcome, dispatch
from sales import services
from tests.credit.conftest import balance, give_credit
from tests.credit.test_concurrency import _race
from tests.environment import postgres_only
from tests.sales import factories as f
from wallet import credit as ledger
from wallet.selectors import balances, ledger_verify


@pytest.fixture
def card_variant(shop):
    v = f.variant(f.product(shop.tenant, name="Vale-presente"), label="R$ 50", price_cents=5000)
    assert giftcards.giftcards_create(variant=v, actor=shop.owner, count=3) == 3
    return v


def _buy_card(shop, v, buyer_id="111"):
    buyer = f.customer(shop.tenant, discord_user_id=buyer_id)
    give_credit(buyer, 5000, payment_id=int(buyer_id))
    services.cart_add(customer=buyer, variant_id=v.pk)
    order = services.checkout(customer=buyer, use_credit=True).order
    item = StockItem.objects.for_tenant(shop.tenant).get(order_ref=order.pk)
    return order, item.content


def test_codes_are_random_encrypted_stock_and_normalised():
    code = giftcards.new_code()
    assert len(code) == len("GIFT-") + 20 + 4 and code.startswith("GIFT-")
    assert giftcards.normalize(code.lower().replace("-", " ")) == code
    assert giftcards.normalize("GIFT-1234") == ""
    assert len({giftcards.new_code() for _i in range(500)}) == 500


def test_stored_code_is_not_plain_text(card_variant):
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM catalog_stockitem WHERE variant_id = %s",
                       [card_variant.pk])
        stored = [row[0] for row in cursor.fetchall()]
    assert stored and not any("GIFT-" in value for value in stored)


def test_sold_card_is_a_liability_and_redeems_once(shop, card_variant, verify):
    order, code = _buy_card(shop, card_variant)
    card = GiftCard.objects.for_tenant(shop.tenant).get(order_ref=order.pk)
    assert card.status == GiftCard.Status.ISSUED and card.value_cents == 5000
    assert ledger.credit_owed(tenant=shop.tenant)["giftcards"] == 5000
    assert balances(tenant=shop.tenant).pending == 0  # the card's sale is a promise, not revenue
    verify()
    friend = f.customer(shop.tenant, discord_user_id="222")
    assert giftcards.giftcard_redeem(customer=friend, code=code.lower()) == 5000
    assert balance(friend) == 5000
    with pytest.raises(CreditRefused) as again:
        giftcards.giftcard_redeem(customer=friend, code=code)
    assert again.value.code == "giftcard_used"
    assert balance(friend) == 5000
    assert ledger.credit_owed(tenant=shop.tenant)["giftcards"] == 0
    verify()


def test_unsold_or_unknown_codes_are_refused(shop, card_variant):
    buyer = f.customer(shop.tenant)
    unsold = StockItem.objects.for_tenant(shop.tenant).filter(variant=card_variant).first()
    for code in (unsold.content, "GIFT-AAAA-BBBB-CCCC-DDDD-EEEE", "nonsense"):
        with pytest.raises(CreditRefused) as refused:
            giftcards.giftcard_redeem(customer=buyer, code=code)
        assert refused.value.code == "giftcard_unknown"
    assert balance(buyer) == 0


def test_redemption_is_rate_limited_per_buyer(shop, card_variant):
    _order, code = _buy_card(shop, card_variant)
    guesser = f.customer(shop.tenant, discord_user_id="333")
    for _i in range(giftcards.TRIES_PER_WINDOW):
        with pytest.raises(CreditRefused):
            giftcards.giftcard_redeem(customer=guesser, code="GIFT-AAAA-BBBB-CCCC-DDDD-EEEE")
    with pytest.raises(CreditRefused) as limited:
        giftcards.giftcard_redeem(customer=guesser, code=code)  # even the right code
    assert limited.value.code == "redeem_rate_limited"
    other = f.customer(shop.tenant, discord_user_id="444")
    assert giftcards.giftcard_redeem(customer=other, code=code) == 5000


def test_refunded_card_sale_voids_the_unredeemed_card(shop, card_variant, mp, verify):
    buyer = f.customer(shop.tenant)
    services.cart_add(customer=buyer, variant_id=card_variant.pk)
    result = services.checkout(customer=buyer)
    dispatch(result.payment, Outcome.APPROVED)
    card = GiftCard.objects.for_tenant(shop.tenant).get(order_ref=result.order.pk)
    assert card.status == GiftCard.Status.ISSUED
    verify()
    dispatch(result.payment, Outcome.REFUNDED)
    card.refresh_from_db()
    assert card.status == GiftCard.Status.VOID
    assert ledger.credit_owed(tenant=shop.tenant)["giftcards"] == 0
    code = StockItem.objects.for_tenant(shop.tenant).get(order_ref=result.order.pk).content
    with pytest.raises(CreditRefused):
        giftcards.giftcard_redeem(customer=buyer, code=code)
    verify()


@pytest.mark.django_db(transaction=True)
def test_two_buyers_redeeming_one_code_at_once_get_it_once(shop, card_variant):
    postgres_only(connection, "contention is measured on PostgreSQL")
    _order, code = _buy_card(shop, card_variant)
    racers = [f.customer(shop.tenant, discord_user_id=str(500 + i)) for i in range(4)]

    def redeem(customer):
        return lambda: giftcards.giftcard_redeem(customer=customer, code=code)

    results = _race([redeem(c) for c in racers])
    assert sorted(str(r) if isinstance(r, int) else r.code for r in results) == [
        "5000", "giftcard_used", "giftcard_used", "giftcard_used"], results
    assert sum(balance(c) for c in racers) == 5000
    assert ledger_verify() == []
