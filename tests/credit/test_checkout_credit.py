"""Paying a cart with store credit: wholly (no provider), partly (PIX for the rest), and the
credit's way back when the order is not paid or is refunded."""

from __future__ import annotations

import pytest

from payments.models import Payment
from payments.registry import Outcome, dispatch
from sales import services
from sales.models import Delivery, Order
from tests.credit.conftest import balance, give_credit
from tests.sales import factories as f
from wallet import credit as ledger
from wallet.models import Hold, LedgerTransaction


@pytest.fixture
def setup(shop):
    v = f.variant(f.product(shop.tenant), price_cents=1990, keys=5)
    return v, f.customer(shop.tenant)


def test_credit_pays_the_whole_order_without_a_provider(setup, verify):
    v, buyer = setup
    give_credit(buyer, 5000, payment_id=1)
    services.cart_add(customer=buyer, variant_id=v.pk, quantity=2)
    result = services.checkout(customer=buyer, use_credit=True)
    order = Order.objects.for_tenant(buyer.tenant).get(pk=result.order.pk)
    assert result.payment is None
    assert order.status == Order.Status.PAID and order.credit_applied_cents == 3980
    assert Payment.objects.for_tenant(buyer.tenant).count() == 0
    assert Delivery.objects.for_tenant(buyer.tenant).filter(order=order).count() == 1
    assert balance(buyer) == 5000 - 3980
    spend = LedgerTransaction.objects.for_tenant(buyer.tenant).get(
        key=f"credit:spend:order:{order.pk}")
    hold = Hold.objects.for_tenant(buyer.tenant).get(transaction=spend)
    assert hold.amount_cents == 3980 - 199  # the plan's 5% fee, as on any sale
    assert ledger.credit_owed(tenant=buyer.tenant) == {"credit": 1020, "credit_reserved": 0,
                                                       "giftcards": 0, "commissions": 0,
                                                       "commissions_out": 0}
    verify()


def test_credit_pays_part_and_pix_the_rest(setup, mp, verify):
    v, buyer = setup
    give_credit(buyer, 1000, payment_id=1)
    services.cart_add(customer=buyer, variant_id=v.pk, quantity=2)
    result = services.checkout(customer=buyer, use_credit=True)
    assert result.order.credit_applied_cents == 1000
    assert result.payment.amount_cents == 3980 - 1000
    assert balance(buyer) == 0
    assert ledger.credit_owed(tenant=buyer.tenant)["credit_reserved"] == 1000
    verify()
    dispatch(result.payment, Outcome.APPROVED)
    dispatch(result.payment, Outcome.APPROVED)  # a replay posts nothing twice
    order = Order.objects.for_tenant(buyer.tenant).get(pk=result.order.pk)
    assert order.status == Order.Status.PAID
    assert ledger.credit_owed(tenant=buyer.tenant)["credit_reserved"] == 0
    keys = set(LedgerTransaction.objects.for_tenant(buyer.tenant).values_list("key", flat=True))
    assert {f"sale:{result.payment.pk}", f"credit:spend:order:{order.pk}"} <= keys
    verify()


def test_without_use_credit_the_balance_is_untouched(setup, mp):
    v, buyer = setup
    give_credit(buyer, 5000, payment_id=1)
    services.cart_add(customer=buyer, variant_id=v.pk)
    result = services.checkout(customer=buyer)
    assert result.order.credit_applied_cents == 0 and result.payment.amount_cents == 1990
    assert balance(buyer) == 5000


@pytest.mark.parametrize("outcome", [Outcome.EXPIRED, Outcome.CANCELLED])
def test_unpaid_order_gives_the_credit_back(setup, mp, verify, outcome):
    v, buyer = setup
    give_credit(buyer, 1000, payment_id=1)
    services.cart_add(customer=buyer, variant_id=v.pk)
    result = services.checkout(customer=buyer, use_credit=True)
    assert balance(buyer) == 0
    dispatch(result.payment, outcome)
    dispatch(result.payment, outcome)
    assert balance(buyer) == 1000
    assert ledger.credit_owed(tenant=buyer.tenant)["credit_reserved"] == 0
    verify()


def test_sweep_expiry_gives_the_credit_back(setup, mp, verify):
    v, buyer = setup
    give_credit(buyer, 700, payment_id=1)
    services.cart_add(customer=buyer, variant_id=v.pk)
    result = services.checkout(customer=buyer, use_credit=True)
    assert services.order_expire(order=result.order)
    assert balance(buyer) == 700
    verify()


def test_late_payment_takes_the_credit_again(setup, mp, verify):
    v, buyer = setup
    give_credit(buyer, 700, payment_id=1)
    services.cart_add(customer=buyer, variant_id=v.pk)
    result = services.checkout(customer=buyer, use_credit=True)
    dispatch(result.payment, Outcome.EXPIRED)
    assert balance(buyer) == 700
    dispatch(result.payment, Outcome.APPROVED)
    order = Order.objects.for_tenant(buyer.tenant).get(pk=result.order.pk)
    assert order.status == Order.Status.PAID
    assert balance(buyer) == 0
    verify()


def test_late_payment_after_the_credit_was_spent_asks_for_a_refund(setup, mp, verify):
    v, buyer = setup
    give_credit(buyer, 700, payment_id=1)
    services.cart_add(customer=buyer, variant_id=v.pk)
    first = services.checkout(customer=buyer, use_credit=True)
    dispatch(first.payment, Outcome.EXPIRED)
    services.cart_add(customer=buyer, variant_id=v.pk)
    services.checkout(customer=buyer, use_credit=True)  # spends the 700 on another order
    dispatch(first.payment, Outcome.APPROVED)
    order = Order.objects.for_tenant(buyer.tenant).get(pk=first.order.pk)
    assert order.status == Order.Status.DELIVERY_FAILED
    verify()


def test_provider_refund_in_full_returns_the_credit_part_to_the_balance(setup, mp, verify):
    v, buyer = setup
    give_credit(buyer, 1000, payment_id=1)
    services.cart_add(customer=buyer, variant_id=v.pk)
    result = services.checkout(customer=buyer, use_credit=True)
    dispatch(result.payment, Outcome.APPROVED)
    dispatch(result.payment, Outcome.REFUNDED)
    dispatch(result.payment, Outcome.REFUNDED)
    assert balance(buyer) == 1000
    verify()
