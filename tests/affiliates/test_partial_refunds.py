"""A partial refund takes back its share of the commission: pro rata, in whole centavos, the
running total rounded down, so the reversals never add up to more than the commission and equal
it exactly once the order is refunded in full. Before the release the share is simply never
paid; after it, it is taken back from the affiliate's commissions (a debt beyond them). And a
partial refund racing the release, on real PostgreSQL connections, is applied exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from affiliates import services
from affiliates.models import Commission
from payments import services as payments
from payments.registry import Outcome, dispatch
from sales import services as sales
from sales.services.refunds import RefundActor, order_refund
from tests.affiliates.conftest import _refund, _release
from tests.affiliates.test_commissions import _program, earned
from tests.credit.test_concurrency import _race
from tests.environment import postgres_only
from tests.sales import factories as f
from wallet import credit as ledger
from wallet import services as wallet_services
from wallet.selectors import ledger_verify

LATER = timedelta(days=60)


def _commission(order) -> Commission:
    return Commission.objects.for_tenant(order.tenant_id).get(order=order)


@given(refunded=st.integers(0, 20_000), amount=st.integers(1, 5_000),
       paid=st.integers(1, 20_000))
def test_the_target_is_monotonic_floored_and_capped(refunded, amount, paid):
    target = services.reversal_target(amount_cents=amount, refunded_cents=refunded,
                                      paid_cents=paid)
    assert 0 <= target <= amount
    assert target == (amount if refunded >= paid else amount * refunded // paid)
    more = services.reversal_target(amount_cents=amount, refunded_cents=refunded + 1,
                                    paid_cents=paid)
    assert more >= target


def test_partial_refund_before_the_release_pays_only_the_rest(referred):
    shop, _affiliate, ana, payment, order = referred
    _refund(shop, payment, 3000)
    commission = _commission(order)
    assert (commission.status, commission.reversed_cents) == ("pending", 300)
    assert earned(ana) == 0  # nothing posted before the release
    assert _release() == 1
    assert earned(ana) == 700
    commission.refresh_from_db()
    assert commission.status == "posted" and commission.earned_cents == 700
    _refund(shop, payment, 7000)  # the rest: the whole commission is now reversed
    commission.refresh_from_db()
    assert (commission.status, commission.reversed_cents) == ("reversed", 1000)
    assert earned(ana) == 0
    assert ledger_verify() == []


def test_partial_refunds_after_the_release_never_reverse_more_than_the_commission(referred):
    shop, _affiliate, ana, payment, order = referred
    assert _release() == 1 and earned(ana) == 1000
    steps = []
    for cents in (3333, 3333, 3334):  # thirds: 333,3 centavos each, rounded down as a total
        _refund(shop, payment, cents)
        steps.append(_commission(order).reversed_cents)
    assert steps == [333, 666, 1000]
    assert earned(ana) == 0 and _commission(order).status == "reversed"
    prefix = f"commission:{_commission(order).pk}:reverse:"
    assert sorted(ledger.posted_keys(prefixes=(prefix,))) == [
        f"{prefix}1000", f"{prefix}333", f"{prefix}666"]  # one posting per step
    dispatch(payment, Outcome.REFUND)  # a replay reverses nothing more
    dispatch(payment, Outcome.REFUNDED)
    assert _commission(order).reversed_cents == 1000 and earned(ana) == 0
    assert ledger_verify() == []


def test_a_partial_refund_to_store_credit_reverses_its_share_too(referred):
    shop, _affiliate, ana, _payment, order = referred
    assert _release() == 1
    order_refund(order=order, by=RefundActor.portal(shop.owner), reason="metade",
                 amount_cents=5000, to_credit=True)
    assert _commission(order).reversed_cents == 500 and earned(ana) == 500
    assert ledger_verify() == []


def test_partial_refund_after_the_commission_left_is_a_debt(referred):
    shop, affiliate, ana, payment, _order = referred
    _release()
    services.affiliate_to_credit(affiliate=affiliate, amount_cents=900, request_key="r1")
    _refund(shop, payment, 5000)  # 500 to reverse, 100 left in commissions
    affiliate.refresh_from_db()
    assert earned(ana) == 0 and affiliate.debt_cents == 400
    with pytest.raises(services.AffiliateRefused) as refused:
        services.affiliate_to_credit(affiliate=affiliate, amount_cents=1, request_key="r2")
    assert refused.value.code == "affiliate_debt"
    assert ledger_verify() == []


@pytest.mark.django_db(transaction=True)
def test_a_partial_refund_racing_the_release_is_applied_once(shop, mp):
    postgres_only(connection, "contention is measured on PostgreSQL")
    _program(shop.tenant)
    v = f.variant(f.product(shop.tenant), price_cents=10000, keys=10)
    ana = f.customer(shop.tenant, discord_user_id="100")
    affiliate = services.affiliate_join(customer=ana)
    seen, total = set(), 0
    for i in range(4):
        buyer = f.customer(shop.tenant, discord_user_id=str(600 + i))
        services.referral_use(customer=buyer, code=affiliate.code)
        sales.cart_add(customer=buyer, variant_id=v.pk)
        result = sales.checkout(customer=buyer)
        mp.approve(result.payment.provider_payment_id)
        payments.payment_sync(provider_payment_id=result.payment.provider_payment_id)
        wallet_services.releases_run(now=timezone.now() + LATER)
        commission = _commission(result.order)
        outcome = _race([lambda c=commission: services.commission_release(commission_id=c.pk),
                         lambda p=result.payment: _refund(shop, p, 2500)])
        assert not any(isinstance(o, Exception) for o in outcome), outcome
        commission.refresh_from_db()
        assert (commission.status, commission.reversed_cents) == ("posted", 250)
        seen.add(outcome[0])  # True: the release won; False: the refund did, a later run pays
        transaction.atomic(services.commissions_release_run)()
        total += 750
        assert earned(ana) == total  # 1000 - 250, whichever came first
        assert ledger_verify() == []
