"""Tier switches (upgrade prorated to the centavo and applied at once, downgrade at the
period's end) and refunds or chargebacks taking the role and the money back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
import time_machine
from django.utils import timezone

from memberships import services, tasks
from memberships.errors import MembershipError
from memberships.models import Member, MemberCharge
from payments.models import Payment, Refund
from payments.services import payment_sync
from tests.memberships.conftest import member_roles, pay, reload
from wallet.models import LedgerTransaction
from wallet.services import reversed_cents

pytestmark = pytest.mark.django_db(transaction=True)
S = Member.Status
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _start(world, tier, mp) -> Member:
    checkout = services.member_subscribe(customer=world.customer, tier_id=tier.pk)
    pay(mp, checkout.payment)
    return reload(checkout.member)


def test_upgrade_is_prorated_to_the_centavo_and_applied_at_once(world, tiers, roles, mp):
    with time_machine.travel(START, tick=False) as clock:
        member = _start(world, tiers["silver"], mp)
        assert member.current_period_end == START + timedelta(days=31)  # March
        clock.move_to(START + timedelta(days=10, hours=5, minutes=7))
        switch = services.member_switch(customer=world.customer, tier_id=tiers["gold"].pk)
        left = Decimal(int((member.current_period_end - timezone.now()).total_seconds()))
        full = Decimal(31 * 86400)
        expected = int((Decimal(4990 - 1990) * left / full).quantize(Decimal(1),
                                                                      rounding=ROUND_HALF_UP))
        assert switch.applied == "pending_payment"
        assert switch.amount_cents == expected == 2012  # R$ 30,00 x 20d 18h 53m / 31d = 2011,63
        assert switch.payment.amount_cents == expected
        assert reload(member).tier_id == tiers["silver"].pk  # not before it is paid
        pay(mp, switch.payment)
        member = reload(member)
        assert member.tier_id == tiers["gold"].pk
        assert member.current_period_end == START + timedelta(days=31)  # same period
        assert roles["gold"] in member_roles(world)
        assert roles["silver"] not in member_roles(world)


def test_downgrade_applies_at_the_period_end(world, tiers, roles, mp):
    with time_machine.travel(START, tick=False) as clock:
        member = _start(world, tiers["gold"], mp)
        switch = services.member_switch(customer=world.customer, tier_id=tiers["silver"].pk)
        assert switch.applied == "at_period_end" and switch.payment is None
        member = reload(member)
        assert member.tier_id == tiers["gold"].pk and member.next_tier_id == tiers["silver"].pk
        assert roles["gold"] in member_roles(world)
        clock.move_to(member.current_period_end - timedelta(days=3) + timedelta(minutes=1))
        assert tasks.memberships_sweep() == 1
        charge = MemberCharge.objects.for_tenant(world.tenant).get(kind="renewal")
        assert charge.amount_cents == 1990 and charge.tier_id == tiers["silver"].pk
        pay(mp, Payment.objects.for_tenant(world.tenant).get(pk=charge.payment_pk))
        member = reload(member)
        assert member.tier_id == tiers["silver"].pk and member.next_tier_id is None
        assert roles["silver"] in member_roles(world) and roles["gold"] not in member_roles(world)


def test_a_past_due_membership_cannot_switch(world, tiers, mp):
    with time_machine.travel(START, tick=False) as clock:
        member = _start(world, tiers["silver"], mp)
        clock.move_to(member.current_period_end + timedelta(minutes=1))
        tasks.memberships_sweep()
        with pytest.raises(MembershipError) as refused:
            services.member_switch(customer=world.customer, tier_id=tiers["gold"].pk)
        assert refused.value.code == "switch_not_allowed"


@pytest.mark.parametrize("how", ["refund", "charge_back"])
def test_refund_or_chargeback_of_the_running_period_revokes(world, tiers, roles, mp, how):
    with time_machine.travel(START, tick=False):
        checkout = services.member_subscribe(customer=world.customer,
                                             tier_id=tiers["silver"].pk)
        pay(mp, checkout.payment)
        assert roles["silver"] in member_roles(world)
        getattr(mp, how)(checkout.payment.provider_payment_id)
        payment_sync(provider_payment_id=checkout.payment.provider_payment_id)
        member = reload(checkout.member)
        assert member.status == S.ENDED and roles["silver"] not in member_roles(world)
        pk = checkout.payment.pk
        keys = [f"refund:payment:{pk}", f"chargeback:payment:{pk}"] + [
            f"refund:{r}" for r in Refund.objects.for_tenant(world.tenant)
            .filter(payment_id=pk).values_list("pk", flat=True)]
        assert sum(reversed_cents(keys=keys).values()) == 1990  # the whole sale, once
        assert LedgerTransaction.objects.for_tenant(world.tenant).filter(
            key=f"sale:{pk}").count() == 1
        # Replayed: nothing more.
        payment_sync(provider_payment_id=checkout.payment.provider_payment_id)
        assert member.events.filter(kind__startswith="payment.").count() == 1


def _renewed(world, tiers, mp, clock) -> tuple[Member, Payment, Payment]:
    """Silver paid, then its first renewal paid by PIX; the clock in the renewed period."""
    checkout = services.member_subscribe(customer=world.customer, tier_id=tiers["silver"].pk)
    pay(mp, checkout.payment)
    member = reload(checkout.member)
    first_end = member.current_period_end
    clock.move_to(first_end - timedelta(days=3) + timedelta(minutes=1))
    assert tasks.memberships_sweep() == 1
    charge = MemberCharge.objects.for_tenant(world.tenant).get(kind="renewal")
    renewal = Payment.objects.for_tenant(world.tenant).get(pk=charge.payment_pk)
    pay(mp, renewal)
    clock.move_to(first_end + timedelta(days=2))  # inside the period the renewal paid for
    return reload(member), checkout.payment, renewal


@pytest.mark.parametrize("how", ["refund", "charge_back"])
def test_refund_or_chargeback_of_a_renewal_revokes_the_period_it_paid(world, tiers, roles, mp,
                                                                      how):
    with time_machine.travel(START, tick=False) as clock:
        member, first, renewal = _renewed(world, tiers, mp, clock)
        assert member.status == S.ACTIVE and roles["silver"] in member_roles(world)
        getattr(mp, how)(renewal.provider_payment_id)
        payment_sync(provider_payment_id=renewal.provider_payment_id)
        assert reload(member).status == S.ENDED
        assert roles["silver"] not in member_roles(world)
        keys = [f"refund:payment:{renewal.pk}", f"chargeback:payment:{renewal.pk}"] + [
            f"refund:{r}" for r in Refund.objects.for_tenant(world.tenant)
            .filter(payment_id=renewal.pk).values_list("pk", flat=True)]
        assert sum(reversed_cents(keys=keys).values()) == 1990  # the renewal's sale, once
        first_keys = [f"refund:payment:{first.pk}", f"chargeback:payment:{first.pk}"]
        assert sum(reversed_cents(keys=first_keys).values()) == 0  # the first month stands


def test_refund_of_an_earlier_period_keeps_the_running_one(world, tiers, roles, mp):
    with time_machine.travel(START, tick=False) as clock:
        member, first, _renewal = _renewed(world, tiers, mp, clock)
        mp.refund(first.provider_payment_id)
        payment_sync(provider_payment_id=first.provider_payment_id)
        member = reload(member)
        assert member.status == S.ACTIVE and roles["silver"] in member_roles(world)
        keys = [f"refund:payment:{first.pk}"] + [
            f"refund:{r}" for r in Refund.objects.for_tenant(world.tenant)
            .filter(payment_id=first.pk).values_list("pk", flat=True)]
        assert sum(reversed_cents(keys=keys).values()) == 1990
        assert member.events.filter(kind="payment.refunded").count() == 1
