"""Refunds to the balance (the owner's choice) and PIX top-ups through payments' registry."""

from __future__ import annotations

import pytest

from credit import services as credit_services
from credit.models import TopUp
from payments.registry import Outcome, dispatch
from payments.services import payment_reconcile_one
from sales import services
from sales.errors import SalesError
from sales.models import Order
from tests.credit.conftest import balance, give_credit
from tests.sales import factories as f
from wallet import credit as ledger
from wallet import services as wallet_services
from wallet.selectors import balances

ACTOR = services.RefundActor(via="portal")


@pytest.fixture
def setup(shop):
    v = f.variant(f.product(shop.tenant), price_cents=1990, keys=5)
    return v, f.customer(shop.tenant)


def _paid_by_pix(v, buyer, mp):
    services.cart_add(customer=buyer, variant_id=v.pk)
    result = services.checkout(customer=buyer)
    mp.approve(result.payment.provider_payment_id)  # the sandbox approves, we reconcile
    payment_reconcile_one(payment=result.payment)
    result.payment.refresh_from_db()
    return Order.objects.for_tenant(buyer.tenant).select_related("tenant").get(
        pk=result.order.pk), result.payment


def test_owner_refunds_a_pix_order_to_the_balance_in_parts(setup, mp, verify):
    v, buyer = setup
    order, _payment = _paid_by_pix(v, buyer, mp)
    services.order_refund(order=order, by=ACTOR, reason="troca", amount_cents=500,
                          to_credit=True)
    assert balance(buyer) == 500
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    services.order_refund(order=order, by=ACTOR, reason="resto", to_credit=True)
    assert balance(buyer) == 1990
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    with pytest.raises(SalesError) as refused:
        services.order_refund(order=order, by=ACTOR, reason="de novo", to_credit=True)
    assert refused.value.code == "not_refundable"
    assert balance(buyer) == 1990
    verify()


def test_a_refund_to_the_balance_caps_the_provider_refund(setup, mp, verify):
    v, buyer = setup
    order, _payment = _paid_by_pix(v, buyer, mp)
    services.order_refund(order=order, by=ACTOR, reason="parte", amount_cents=1500,
                          to_credit=True)
    with pytest.raises(SalesError) as refused:
        services.order_refund(order=order, by=ACTOR, reason="tudo", amount_cents=1990)
    assert refused.value.code == "refund_invalid"
    refund = services.order_refund(order=order, by=ACTOR, reason="o resto")
    assert refund.amount_cents == 490
    verify()


def test_refund_to_balance_refuses_bad_amounts_and_changes_nothing(setup, mp):
    v, buyer = setup
    order, _payment = _paid_by_pix(v, buyer, mp)
    for amount, reason in ((0, "x"), (-5, "x"), (1991, "x"), (100, "  ")):
        with pytest.raises(SalesError) as refused:
            services.order_refund(order=order, by=ACTOR, reason=reason, amount_cents=amount,
                                  to_credit=True)
        assert refused.value.code == "refund_invalid"
    assert balance(buyer) == 0


def test_an_order_paid_with_credit_alone_refunds_to_the_balance(setup, verify):
    v, buyer = setup
    give_credit(buyer, 1990, payment_id=1)
    services.cart_add(customer=buyer, variant_id=v.pk)
    order = services.checkout(customer=buyer, use_credit=True).order
    with pytest.raises(SalesError):
        services.order_refund(order=order, by=ACTOR, reason="no provider")
    services.order_refund(order=order, by=ACTOR, reason="devolução", to_credit=True)
    assert balance(buyer) == 1990
    verify()


def _topups_on(tenant, **extra):
    tenant.settings = {**tenant.settings, "credit_topup_enabled": True,
                       "credit_topup_min_cents": 500, "credit_topup_max_cents": 20000, **extra}
    tenant.save()


def test_pix_topup_credits_the_buyer_once(setup, mp, verify):
    _v, buyer = setup
    _topups_on(buyer.tenant)
    started = credit_services.topup_start(customer=buyer, amount_cents=2500)
    assert started.payment.amount_cents == 2500 and started.payment.instructions().pix_code
    assert balance(buyer) == 0
    dispatch(started.payment, Outcome.APPROVED)
    dispatch(started.payment, Outcome.APPROVED)
    assert balance(buyer) == 2500
    assert TopUp.objects.for_tenant(buyer.tenant).get().status == TopUp.Status.CREDITED
    verify()


def test_topup_bonus_is_the_shops_and_only_as_far_as_its_balance_goes(setup, mp, verify):
    _v, buyer = setup
    _topups_on(buyer.tenant, credit_bonus_percent=10)
    wallet_services.sale_record(tenant=buyer.tenant, payment_id=777, gross_cents=300,
                                method="pix", fee_percent=0)
    from datetime import timedelta

    from django.utils import timezone
    wallet_services.releases_run(now=timezone.now() + timedelta(days=60))
    started = credit_services.topup_start(customer=buyer, amount_cents=5000)
    dispatch(started.payment, Outcome.APPROVED)
    assert balance(buyer) == 5000 + 300  # the bonus asked was 500; the shop had 300
    assert balances(tenant=buyer.tenant).available == 0
    assert TopUp.objects.for_tenant(buyer.tenant).get().bonus_granted_cents == 300
    verify()


@pytest.mark.parametrize("amount", [499, 20001])
def test_topup_outside_the_shops_limits_is_refused(setup, amount):
    _v, buyer = setup
    _topups_on(buyer.tenant)
    with pytest.raises(credit_services.CreditRefused) as refused:
        credit_services.topup_start(customer=buyer, amount_cents=amount)
    assert refused.value.code == "topup_amount"
    assert not TopUp.objects.for_tenant(buyer.tenant).exists()


def test_topup_refused_when_the_shop_has_not_turned_it_on(setup):
    _v, buyer = setup
    with pytest.raises(credit_services.CreditRefused) as refused:
        credit_services.topup_start(customer=buyer, amount_cents=1000)
    assert refused.value.code == "topup_disabled"


def test_charged_back_topup_takes_the_credit_back_and_the_rest_is_the_shops_debt(
        setup, mp, verify):
    v, buyer = setup
    _topups_on(buyer.tenant)
    started = credit_services.topup_start(customer=buyer, amount_cents=3000)
    dispatch(started.payment, Outcome.APPROVED)
    services.cart_add(customer=buyer, variant_id=v.pk)
    services.checkout(customer=buyer, use_credit=True)  # spends 1990 of it
    dispatch(started.payment, Outcome.CHARGED_BACK)
    dispatch(started.payment, Outcome.CHARGED_BACK)
    assert balance(buyer) == 0
    assert balances(tenant=buyer.tenant).available == -1990
    assert ledger.credit_owed(tenant=buyer.tenant)["credit"] == 0
    verify()
