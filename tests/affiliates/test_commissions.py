"""Affiliates: codes, attribution, self-referral refused, commissions posted to the affiliate's
commissions only when the sale's hold is released, cancelled or reversed on refund (a debt
when already moved to store credit and spent), and a refund racing the release ending with
exactly one effect."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone, translation

from affiliates import services
from affiliates.models import Commission, Referral
from payments.registry import Outcome, dispatch
from sales import services as sales
from sales.errors import SalesError
from tests.credit.conftest import balance, give_credit
from tests.credit.test_concurrency import _race
from tests.environment import postgres_only
from tests.sales import factories as f
from wallet import credit as ledger
from wallet import services as wallet_services
from wallet.selectors import balances, ledger_verify

LATER = timedelta(days=60)


def earned(customer) -> int:
    """The affiliate's commissions balance (neither withdrawn nor moved to credit)."""
    return ledger.commission_balance(tenant=customer.tenant,
                                     holder=ledger.customer_holder(customer.pk))


def _program(tenant, percent=10, **extra):
    tenant.settings = {**tenant.settings, "affiliate_enabled": True,
                       "affiliate_percent": percent, **extra}
    tenant.save()


@pytest.fixture
def setup(shop):
    _program(shop.tenant)
    v = f.variant(f.product(shop.tenant), price_cents=10000, keys=5)
    ana = f.customer(shop.tenant, discord_user_id="100", name="Ana Afiliada")
    bia = f.customer(shop.tenant, discord_user_id="200", name="Bia")
    return v, services.affiliate_join(customer=ana), ana, bia


def _buy(v, buyer, mp=None):
    sales.cart_add(customer=buyer, variant_id=v.pk)
    return sales.checkout(customer=buyer)


def test_join_gives_one_code_and_self_referral_is_refused(setup):
    _v, affiliate, ana, bia = setup
    assert services.affiliate_join(customer=ana).code == affiliate.code
    assert len(affiliate.code) == 8
    with pytest.raises(services.AffiliateRefused) as refused:
        services.referral_use(customer=ana, code=affiliate.code)
    assert refused.value.code == "self_referral"
    with pytest.raises(services.AffiliateRefused):
        services.referral_use(customer=bia, code="NOPE")
    services.referral_use(customer=bia, code=affiliate.code.lower())
    affiliate.refresh_from_db()
    assert affiliate.clicks == 1


def test_commission_waits_for_the_release_then_credits_the_affiliate(setup, mp):
    v, affiliate, ana, bia = setup
    services.referral_use(customer=bia, code=affiliate.code)
    result = _buy(v, bia)
    dispatch(result.payment, Outcome.APPROVED)
    commission = Commission.objects.for_tenant(bia.tenant).get()
    assert commission.amount_cents == 1000 and commission.status == "pending"
    assert services.commissions_release_run() == 0  # the sale is still on hold
    wallet_services.releases_run(now=timezone.now() + LATER)
    assert services.commissions_release_run() == 1
    assert services.commissions_release_run() == 0
    assert earned(ana) == 1000 and balance(ana) == 0  # commissions, not store credit yet
    assert balances(tenant=bia.tenant).available == 9500 - 1000
    assert ledger_verify() == []


def test_product_override_and_no_commission_without_referral(setup, mp):
    v, affiliate, _ana, bia = setup
    _program(bia.tenant, percent=10, affiliate_product_percent={str(v.product_id): 25})
    _buy(v, f.customer(bia.tenant, discord_user_id="300"))  # nobody referred this one
    services.referral_use(customer=bia, code=affiliate.code)
    result = _buy(v, bia)
    dispatch(result.payment, Outcome.APPROVED)
    assert list(Commission.objects.for_tenant(bia.tenant).values_list("amount_cents",
                                                                      flat=True)) == [2500]


def test_refund_before_release_cancels_after_release_reverses_with_debt(setup, mp):
    v, affiliate, ana, bia = setup
    services.referral_use(customer=bia, code=affiliate.code)
    first = _buy(v, bia)
    dispatch(first.payment, Outcome.APPROVED)
    dispatch(first.payment, Outcome.REFUNDED)
    assert Commission.objects.for_tenant(bia.tenant).get().status == "cancelled"

    second = _buy(v, bia)
    dispatch(second.payment, Outcome.APPROVED)
    wallet_services.releases_run(now=timezone.now() + LATER)
    services.commissions_release_run()
    assert earned(ana) == 1000
    assert services.affiliate_to_credit(affiliate=affiliate, amount_cents=1000,
                                        request_key="i1") == 0
    assert services.affiliate_to_credit(affiliate=affiliate, amount_cents=1000,
                                        request_key="i1") == 0  # a replay moves nothing
    assert balance(ana) == 1000
    give_credit(ana, 1, payment_id=4242)
    spent_v = f.variant(f.product(bia.tenant, name="Outro"), price_cents=801, keys=1)
    sales.cart_add(customer=ana, variant_id=spent_v.pk)
    sales.checkout(customer=ana, use_credit=True)  # Ana spends 801 of her 1001
    dispatch(second.payment, Outcome.REFUNDED)
    affiliate.refresh_from_db()
    # The credit is Ana's to spend: the reversal takes back only commissions, and she had
    # none left, so the whole commission is her debt.
    assert balance(ana) == 200 and earned(ana) == 0 and affiliate.debt_cents == 1000
    assert Commission.objects.for_tenant(bia.tenant).get(order=second.order).status == \
        "reversed"
    assert ledger_verify() == []


@pytest.mark.django_db(transaction=True)
def test_refund_racing_the_release_has_exactly_one_effect_each(shop, mp):
    postgres_only(connection, "contention is measured on PostgreSQL")
    _program(shop.tenant)
    v = f.variant(f.product(shop.tenant), price_cents=10000, keys=10)
    ana = f.customer(shop.tenant, discord_user_id="100")
    affiliate = services.affiliate_join(customer=ana)
    outcomes = []
    for i in range(4):
        buyer = f.customer(shop.tenant, discord_user_id=str(500 + i))
        services.referral_use(customer=buyer, code=affiliate.code)
        result = _buy(v, buyer)
        # payments dispatches inside its own transaction; so does this test
        transaction.atomic(dispatch)(result.payment, Outcome.APPROVED)
        wallet_services.releases_run(now=timezone.now() + LATER)
        commission = Commission.objects.for_tenant(shop.tenant).get(order=result.order)
        _race([lambda c=commission: services.commission_release(commission_id=c.pk),
               lambda p=result.payment: transaction.atomic(dispatch)(p, Outcome.REFUNDED)])
        commission.refresh_from_db()
        outcomes.append(commission.status)
        assert commission.status in ("cancelled", "reversed")
        assert ledger_verify() == []
    assert earned(ana) == 0  # posted-then-reversed or never posted: nothing stays


def test_affiliate_code_in_the_coupon_field_attributes_the_sale(setup, mp):
    v, affiliate, ana, bia = setup
    f.coupon(bia.tenant, code="PROMO10")
    with pytest.raises(SalesError) as own:  # their own code: refused, said why
        sales.cart_apply_coupon(customer=ana, code=affiliate.code)
    assert own.value.code == "code_refused"
    with translation.override("en"):  # rendered late, in the language asked for
        assert own.value.message() == "You cannot use your own affiliate code."
    with translation.override("pt-br"):
        assert own.value.message() == "Você não pode usar o seu próprio código de afiliado."
    with pytest.raises(SalesError) as unknown:
        sales.cart_apply_coupon(customer=bia, code="NOSUCHCODE")
    assert unknown.value.code == "coupon_not_found"
    assert not Referral.objects.for_tenant(bia.tenant).exists()

    cart = sales.cart_apply_coupon(customer=bia, code=f" {affiliate.code.lower()} ")
    assert cart.coupon_id is None  # no discount: an attribution
    referral = Referral.objects.for_tenant(bia.tenant).get()
    assert referral.customer_id == bia.pk and referral.affiliate_id == affiliate.pk
    sales.cart_apply_coupon(customer=bia, code="promo10")  # a real coupon still works
    result = _buy(v, bia)
    dispatch(result.payment, Outcome.APPROVED)
    assert Commission.objects.for_tenant(bia.tenant).get().affiliate_id == affiliate.pk


def test_affiliate_code_in_the_coupon_field_when_the_program_is_off(setup):
    _v, affiliate, _ana, bia = setup
    _program(bia.tenant, affiliate_enabled=False)
    with pytest.raises(SalesError) as off:
        sales.cart_apply_coupon(customer=bia, code=affiliate.code)
    assert off.value.code == "coupon_not_found"
    assert not Referral.objects.for_tenant(bia.tenant).exists()
