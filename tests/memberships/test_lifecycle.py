"""The whole PIX lifecycle under time-machine: trial, first payment, reminder with a fresh
charge, past due, three dunning DMs, role removed at grace end, a late payment gives it back;
a year of renewals; cancel; ledger postings."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from memberships import services, tasks
from memberships.models import Member, MemberCharge, MemberEvent
from payments.models import Payment
from payments.services import payment_sync
from tests.memberships.conftest import dms, member_roles, pay, reload
from wallet.models import LedgerTransaction

S = Member.Status
# Real commits: role jobs and DMs are published with transaction.on_commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def _sweep() -> int:
    return tasks.memberships_sweep()


def _renewal_payment(member: Member) -> Payment:
    charge = (MemberCharge.objects.for_tenant(member.tenant_id)
              .filter(member=member, kind="renewal").order_by("-id").first())
    return Payment.objects.for_tenant(member.tenant_id).get(pk=charge.payment_pk)


def test_trial_to_removal_and_back_on_late_payment(world, tiers, roles, mp):
    tiers["silver"].trial_days = 7
    tiers["silver"].save()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        checkout = services.member_subscribe(customer=world.customer,
                                             tier_id=tiers["silver"].pk)
        member = checkout.member
        assert checkout.payment is None and member.status == S.TRIALING
        assert roles["silver"] in member_roles(world)
        assert _sweep() == 0  # nothing due: the reminder is 3 days before the trial ends

        clock.move_to(start + timedelta(days=4, minutes=1))  # 3 days before the end
        assert _sweep() == 1
        reminder = dms(world)[-1]
        renewal = _renewal_payment(member)
        assert renewal.amount_cents == 1990 and renewal.pix_code in reminder
        assert "Payment page: http" in reminder and "QR code: http" in reminder
        assert _sweep() == 0  # claimed and rescheduled: not every minute for everyone

        clock.move_to(start + timedelta(days=7, minutes=1))  # trial over, unpaid
        assert _sweep() == 1
        member = reload(member)
        assert member.status == S.PAST_DUE and member.dunning_sent == 1
        assert member.grace_ends_at == member.current_period_end + timedelta(days=3)
        assert "overdue" in dms(world)[-1] and "Reminder 1 of 3." in dms(world)[-1]
        assert roles["silver"] in member_roles(world)  # grace keeps the role

        for n in (2, 3):
            clock.move_to(start + timedelta(days=7 + n - 1, minutes=2))
            assert _sweep() == 1
            assert f"Reminder {n} of 3." in dms(world)[-1]
        # The open renewal payment is sent again while it can still be paid.
        assert _renewal_payment(member).pk == renewal.pk

        clock.move_to(start + timedelta(days=10, minutes=3))  # grace over
        assert _sweep() == 1
        member = reload(member)
        assert member.status == S.ENDED and roles["silver"] not in member_roles(world)
        assert "has ended" in dms(world)[-1]
        dunning_dms = sum("overdue" in text for text in dms(world))
        assert dunning_dms == 3

        clock.move_to(start + timedelta(days=11))  # paid late: the role comes back at once
        renewal = services.member_pay_now(customer=world.customer)
        assert renewal.amount_cents == 1990
        pay(mp, renewal)
        member = reload(member)
        assert member.status == S.ACTIVE and roles["silver"] in member_roles(world)
        # A new period from the late payment: the days without access are not charged.
        assert member.current_period_start == timezone.now()
        assert member.current_period_end == timezone.now() + services.relativedelta(months=1)
        sale = LedgerTransaction.objects.for_tenant(world.tenant).get(key=f"sale:{renewal.pk}")
        assert sale is not None
        # A replay of the same approval (webhook delivered twice) changes nothing.
        payment_sync(provider_payment_id=renewal.provider_payment_id)
        assert LedgerTransaction.objects.for_tenant(world.tenant).filter(
            key=f"sale:{renewal.pk}").count() == 1
        assert MemberEvent.objects.for_tenant(world.tenant).filter(
            member=member, kind="paid.renewal").count() == 1


def test_a_year_of_pix_renewals(world, tiers, roles, mp):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        checkout = services.member_subscribe(customer=world.customer,
                                             tier_id=tiers["gold"].pk)
        member = checkout.member
        assert member.status == S.PENDING and roles["gold"] not in member_roles(world)
        pay(mp, checkout.payment)
        member = reload(member)
        assert member.status == S.ACTIVE and roles["gold"] in member_roles(world)
        first_end = member.current_period_end
        for month in range(1, 12):
            reminder_at = member.current_period_end - timedelta(days=3) + timedelta(minutes=1)
            clock.move_to(reminder_at)
            assert _sweep() == 1
            payment = _renewal_payment(member)
            pay(mp, payment)
            member = reload(member)
            assert member.status == S.ACTIVE
            assert member.current_period_end == first_end + services.relativedelta(
                months=month)
        assert roles["gold"] in member_roles(world)
        sales = LedgerTransaction.objects.for_tenant(world.tenant).filter(kind="sale")
        assert sales.count() == 12
        assert not [t for t in dms(world) if "overdue" in t]


def test_cancel_runs_to_the_end_of_the_paid_period(world, tiers, roles, mp):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        checkout = services.member_subscribe(customer=world.customer,
                                             tier_id=tiers["silver"].pk)
        pay(mp, checkout.payment)
        member = services.member_cancel(customer=world.customer)
        assert member.status == S.CANCELLED and roles["silver"] in member_roles(world)
        clock.move_to(member.current_period_end - timedelta(days=3) + timedelta(minutes=1))
        _sweep()
        assert not MemberCharge.objects.for_tenant(world.tenant).filter(kind="renewal").exists()
        clock.move_to(member.current_period_end + timedelta(minutes=1))
        assert _sweep() == 1
        assert reload(member).status == S.ENDED
        assert roles["silver"] not in member_roles(world)


def _subscribed_and_reminded(world, tier, mp, clock):
    """Subscribed and paid by PIX, then the clock at the renewal reminder (3 days before the
    period ends) and the sweep that sends it. The member as reloaded after paying."""
    checkout = services.member_subscribe(customer=world.customer, tier_id=tier.pk)
    pay(mp, checkout.payment)
    member = reload(checkout.member)
    clock.move_to(member.current_period_end - timedelta(days=3, minutes=-1))
    assert _sweep() == 1
    return member


def test_dms_speak_the_shops_language(world, tiers, mp):
    world.tenant.locale = "pt-br"
    world.tenant.save(update_fields=["locale"])
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _subscribed_and_reminded(world, tiers["silver"], mp, clock)
        text = dms(world)[-1]
        assert text.startswith("Sua assinatura Silver renova em ")
        assert "Pague R$ 19,90 por PIX para manter seu cargo." in text
        assert "PIX copia e cola:" in text and "Página de pagamento: http" in text


def test_each_renewal_posts_a_sale_with_the_plans_fee(world, tiers, mp):
    from wallet.policy import fee_cents, wallet_policy

    percent = wallet_policy(world.tenant).fee_percent
    assert percent > 0  # the seeded plan charges a fee: the check below means something
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        checkout = services.member_subscribe(customer=world.customer, tier_id=tiers["gold"].pk)
        pay(mp, checkout.payment)
        member = reload(checkout.member)
        for _month in range(2):
            clock.move_to(member.current_period_end - timedelta(days=3, minutes=-1))
            assert _sweep() == 1
            pay(mp, _renewal_payment(member))
            member = reload(member)
    sales = LedgerTransaction.objects.for_tenant(world.tenant).filter(kind="sale")
    assert sales.count() == 3
    for sale in sales:
        by_kind = {e.account.kind: e.amount_cents for e in sale.entries.select_related("account")}
        assert by_kind["clearing"] == 4990
        assert by_kind["fees"] == fee_cents(4990, percent)
        assert by_kind["pending"] == 4990 - fee_cents(4990, percent)


def test_the_shops_dm_templates_are_used(world, tiers, mp):
    conf = services.conf_for(world.tenant)
    conf.template_reminder = "Oi {name}! {tier} vence em {date}: {amount}. {unknown} {0}"
    conf.template_dunning = "Atrasou, {name}: pague {amount} até {date}."
    conf.template_ended = "Fim do {tier}. Volte quando quiser."
    conf.save()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        member = _subscribed_and_reminded(world, tiers["silver"], mp, clock)
        reminder = dms(world)[-1]
        # A broken placeholder leaves the template as written rather than failing the DM.
        assert reminder.startswith("Oi {name}! {tier} vence em {date}")
        assert _renewal_payment(member).pix_code in reminder  # the payment block still follows
        conf.template_reminder = "Oi {name}! {tier} vence em {date}: {amount}. {unknown}"
        conf.save()
        clock.move_to(member.current_period_end + timedelta(minutes=1))
        assert _sweep() == 1
        dunning = dms(world)[-1]
        grace_end = reload(member).grace_ends_at
        assert dunning.startswith(f"Atrasou, {world.customer.display_name}: pague ")
        assert "{amount}" not in dunning and "{date}" not in dunning
        assert "Reminder 1 of 3." in dunning and _renewal_payment(member).pix_code in dunning
        clock.move_to(grace_end + timedelta(minutes=1))
        for _step in range(3):  # the dunning left, then the role removed
            if reload(member).status == S.ENDED:
                break
            assert _sweep() == 1
        assert reload(member).status == S.ENDED
        assert dms(world)[-1] == "Fim do Silver. Volte quando quiser."
