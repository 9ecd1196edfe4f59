"""Ko-fi supporters: webhooks from the emulator (sandbox/kofi) to the live server, verified by
the shop's token, stored once per transaction, applied in any order; linking by a code."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from memberships import kofi, services, tasks
from memberships.errors import MembershipError
from memberships.models import KofiEvent, Member
from sandbox.kofi import KofiEmulator
from tests.memberships.conftest import member_roles, reload

pytestmark = pytest.mark.django_db(transaction=True)
TOKEN = "d5d4a2f1-0000-4c5e-9d7b-kofi-test-token"
EMAIL = "alice@supporter.example"


@pytest.fixture
def emulator(world, tiers, live_server):
    conf = services.conf_for(world.tenant)
    conf.kofi_token = TOKEN
    conf.kofi_donation_tier = tiers["silver"]
    conf.kofi_donation_min_cents = 500
    conf.kofi_donation_days = 30
    conf.save()
    url = live_server.url + reverse("memberships:kofi_webhook", args=[conf.kofi_hook_id])
    return KofiEmulator(url, TOKEN)


def _link(world) -> None:
    kofi.link_start(customer=world.customer, email=EMAIL)
    code = re.search(r"code: (\d{6})", mail.outbox[-1].body).group(1)
    kofi.link_confirm(customer=world.customer, email=EMAIL.upper(), code=code)


def _member(world) -> Member:
    return Member.objects.for_tenant(world.tenant).exclude(status="ended").get()


def test_forged_token_is_refused_and_nothing_stored(emulator, world):
    payload = emulator.payload(type="Donation", email=EMAIL, amount="10.00")
    assert emulator.post(payload, token="not-the-token").status == 401
    assert emulator.post(payload, token="").status == 400
    assert not KofiEvent.objects.for_tenant(world.tenant).exists()


@pytest.mark.parametrize("body", ["", "not json", "[]", '{"type": "Donation"}',
                                  '{"verification_token": "x", "kofi_transaction_id": "t", '
                                  '"type": "Donation", "amount": "NaN"}'])
def test_malformed_data_is_a_400(emulator, world, client, body):
    response = client.post(emulator.webhook_url, urlencode({"data": body}),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code in (400, 401)
    assert not KofiEvent.objects.for_tenant(world.tenant).exists()


def test_unknown_hook_is_a_404(client, db):
    response = client.post(reverse("memberships:kofi_webhook", args=["nope"]),
                           urlencode({"data": "{}"}),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 404


def test_subscription_grants_the_mapped_tier_and_replays_one_effect(emulator, world, roles):
    _link(world)
    emulator.duplicate = True
    emulator.subscription(email=EMAIL, amount="49.90", tier_name="Gold Club", first=True)
    assert [d.status for d in emulator.deliveries] == [200, 200]
    assert emulator.deliveries[1].body == '{"status": "duplicate"}'
    member = _member(world)
    assert member.tier.name == "Gold" and member.method == "kofi"
    assert roles["gold"] in member_roles(world)
    assert KofiEvent.objects.for_tenant(world.tenant).count() == 1
    assert member.events.filter(kind="kofi.paid").count() == 1


def test_donation_above_the_minimum_grants_then_expires(emulator, world, roles):
    _link(world)
    emulator.donation(email=EMAIL, amount="3.00")  # below R$ 5,00: nothing
    assert not Member.objects.for_tenant(world.tenant).exists()
    emulator.donation(email=EMAIL, amount="10.00")
    member = _member(world)
    assert member.tier.name == "Silver" and roles["silver"] in member_roles(world)
    grace = services.conf_for(world.tenant).grace_days
    with time_machine.travel(member.current_period_end + timedelta(days=grace, minutes=5)):
        tasks.memberships_sweep()  # past due (no dunning for Ko-fi)
        tasks.memberships_sweep()  # grace over
    assert reload(member).status == "ended"
    assert roles["silver"] not in member_roles(world)


def test_out_of_order_monthly_payments_end_in_the_same_place(emulator, world):
    _link(world)
    emulator.out_of_order = True
    now = timezone.now()
    first = now - timedelta(days=40)
    emulator.subscription(email=EMAIL, amount="49.90", tier_name="Gold Club", first=True,
                          timestamp=first)
    emulator.subscription(email=EMAIL, amount="49.90", tier_name="Gold Club",
                          timestamp=now - timedelta(days=9))
    assert emulator.flush() == 2
    member = _member(world)
    second_at = datetime.strptime(emulator.deliveries[0].payload["timestamp"],
                                  "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert member.current_period_end == second_at + services.relativedelta(months=1)


def test_payments_before_linking_wait_and_apply_on_link(emulator, world, roles):
    emulator.subscription(email=EMAIL, amount="49.90", tier_name="Gold Club", first=True)
    event = KofiEvent.objects.for_tenant(world.tenant).get()
    assert event.state == "waiting_link"
    assert not Member.objects.for_tenant(world.tenant).exists()
    _link(world)
    assert _member(world).tier.name == "Gold" and roles["gold"] in member_roles(world)


def test_wrong_link_code_is_refused_and_limited(world, emulator):
    kofi.link_start(customer=world.customer, email=EMAIL)
    for _ in range(kofi.MAX_CODE_ATTEMPTS):
        with pytest.raises(MembershipError):
            kofi.link_confirm(customer=world.customer, email=EMAIL, code="000000x")
    code = re.search(r"code: (\d{6})", mail.outbox[-1].body).group(1)
    with pytest.raises(MembershipError):  # locked after too many tries, even the right one
        kofi.link_confirm(customer=world.customer, email=EMAIL, code=code)


def test_subscription_not_renewed_on_kofi_expires(emulator, world, roles):
    _link(world)
    emulator.subscription(email=EMAIL, amount="49.90", tier_name="Gold Club", first=True)
    member = _member(world)
    assert roles["gold"] in member_roles(world)
    assert member.current_period_end == member.current_period_start + services.relativedelta(
        months=1)
    grace = services.conf_for(world.tenant).grace_days
    with time_machine.travel(member.current_period_end + timedelta(minutes=5)):
        tasks.memberships_sweep()
    assert reload(member).status == "past_due"
    assert roles["gold"] in member_roles(world)  # grace keeps it: Ko-fi may charge late
    with time_machine.travel(member.current_period_end + timedelta(days=grace, minutes=5)):
        tasks.memberships_sweep()
    assert reload(member).status == "ended" and roles["gold"] not in member_roles(world)
    assert not [m for m in world.sb.dms(world.buyer_id) if "overdue" in m["content"]]


def test_asking_again_neither_floods_the_email_nor_buys_fresh_guesses(world, emulator):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        kofi.link_start(customer=world.customer, email=EMAIL)
        with pytest.raises(MembershipError) as soon:  # at most one code a minute per email
            kofi.link_start(customer=world.customer, email=EMAIL.upper())
        assert (soon.value.code, soon.value.status) == ("code_recent", 429)
        assert len(mail.outbox) == 1
        for n in range(kofi.MAX_CODE_ATTEMPTS):
            clock.move_to(start + timedelta(minutes=2 * n + 2))
            if n % 2:  # a fresh code does not reset the count of wrong tries
                kofi.link_start(customer=world.customer, email=EMAIL)
            with pytest.raises(MembershipError):
                kofi.link_confirm(customer=world.customer, email=EMAIL, code="999999x")
        clock.move_to(start + timedelta(hours=1))
        with pytest.raises(MembershipError) as locked:
            kofi.link_start(customer=world.customer, email=EMAIL)
        assert locked.value.code == "code_locked"
        sent = len(mail.outbox)
        clock.move_to(start + timedelta(days=1, hours=1))  # a day later: a fresh start
        kofi.link_start(customer=world.customer, email=EMAIL)
        assert len(mail.outbox) == sent + 1
        code = re.search(r"code: (\d{6})", mail.outbox[-1].body).group(1)
        assert kofi.link_confirm(customer=world.customer, email=EMAIL, code=code) == 0
