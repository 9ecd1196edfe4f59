"""Card memberships through Mercado Pago subscriptions (preapproval) in the sandbox, with the
official SDK: authorize, a year of automatic renewals, a declined period, cancel. The
sandbox's notifications go through our real webhook (signature, store, drain, task)."""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import parse_qsl, urlsplit

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from memberships import services, tasks
from memberships.models import Member, MemberCharge
from payments import webhooks
from payments.models import Payment, WebhookEvent
from sandbox.mercadopago.store import DEFAULT_WEBHOOK_SECRET
from tests.memberships.conftest import dms, member_roles, reload
from wallet.models import LedgerTransaction

pytestmark = pytest.mark.django_db(transaction=True)
S = Member.Status
SUBSCRIPTION_TOPICS = ("subscription_preapproval", "subscription_authorized_payment")


@pytest.fixture(autouse=True)
def _webhook_secret(settings) -> None:
    settings.MERCADOPAGO_WEBHOOK_SECRET = DEFAULT_WEBHOOK_SECRET


class Deliverer:
    """Posts the sandbox's subscription notifications to our webhook, as MP would."""

    def __init__(self, mp) -> None:
        self.mp, self.sent = mp, 0

    def __call__(self) -> int:
        records = [r for r in self.mp.notifications()
                   if r["body"]["type"] in SUBSCRIPTION_TOPICS][self.sent:]
        for record in records:
            query = dict(parse_qsl(urlsplit(record["url"]).query))
            request_id = str(uuid.uuid4())
            header = webhooks.sign(secret=DEFAULT_WEBHOOK_SECRET, data_id=query["data.id"],
                                   request_id=request_id, ts=int(time.time()))
            response = Client().post(
                f"{reverse('payments:webhook_mercadopago')}?data.id={query['data.id']}"
                f"&type={query['type']}", data=json.dumps(record["body"]),
                content_type="application/json",
                headers={"x-signature": header, "x-request-id": request_id})
            assert response.status_code == 200, response.content
        self.sent += len(records)
        return len(records)


def test_a_year_of_card_renewals_then_cancel(world, tiers, roles, mp):
    deliver = Deliverer(mp)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        checkout = services.member_subscribe(customer=world.customer,
                                             tier_id=tiers["gold"].pk, method="card")
        member = reload(checkout.member)
        assert checkout.payment is None and "preapproval_id=" in checkout.card_url
        assert member.status == S.PENDING and member.preapproval_id
        at_mp = mp.preapproval(member.preapproval_id)
        assert at_mp["status"] == "pending"
        assert at_mp["auto_recurring"]["transaction_amount"] == 49.9
        assert at_mp["external_reference"] == f"member:{member.public_id}"

        mp.authorize_preapproval(member.preapproval_id)  # the buyer enters the card
        assert deliver() == 3  # created, authorized, first period charged
        member = reload(member)
        assert member.status == S.ACTIVE and roles["gold"] in member_roles(world)
        first_end = member.current_period_end
        for month in range(1, 12):
            clock.move_to(member.current_period_end + timezone.timedelta(minutes=1))
            [charged] = mp.charge_due_preapprovals()
            assert charged["status"] == "processed"
            assert deliver() == 1
            assert tasks.memberships_sweep() >= 0
            member = reload(member)
            assert member.status == S.ACTIVE
            assert member.current_period_end == first_end + services.relativedelta(
                months=month)
        # Replayed notifications add nothing.
        WebhookEvent.objects.update(state="received")
        from payments.tasks import drain_webhook_events

        drain_webhook_events()
        assert LedgerTransaction.objects.for_tenant(world.tenant).filter(kind="sale").count() \
            == 12
        assert Payment.objects.for_tenant(world.tenant).filter(method="card",
                                                               status="approved").count() == 12
        assert not [t for t in dms(world) if "overdue" in t]  # no PIX reminders for cards

        services.member_cancel(customer=world.customer)
        assert mp.preapproval(member.preapproval_id)["status"] == "cancelled"
        deliver()
        member = reload(member)
        assert member.status == S.CANCELLED and roles["gold"] in member_roles(world)
        clock.move_to(member.current_period_end + timezone.timedelta(minutes=1))
        assert mp.charge_due_preapprovals() == []  # cancelled at MP: nothing charged
        tasks.memberships_sweep()
        assert reload(member).status == S.ENDED
        assert roles["gold"] not in member_roles(world)


def test_declined_period_goes_past_due_and_card_cancel_at_mp_is_seen(world, tiers, roles,
                                                                     mp):
    deliver = Deliverer(mp)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        checkout = services.member_subscribe(customer=world.customer,
                                             tier_id=tiers["silver"].pk, method="card")
        mp.authorize_preapproval(checkout.member.preapproval_id)
        deliver()
        member = reload(checkout.member)
        clock.move_to(member.current_period_end + timezone.timedelta(minutes=1))
        [declined] = mp.charge_due_preapprovals(fail=True)
        assert declined["status"] == "recycling"
        deliver()
        assert member.events.filter(kind="card.declined").count() == 1
        tasks.memberships_sweep()
        member = reload(member)
        assert member.status == S.PAST_DUE
        assert "Reminder 1 of 3." in dms(world)[-1]  # with a PIX charge to pay meanwhile
        assert MemberCharge.objects.for_tenant(world.tenant).filter(kind="renewal").count() \
            == 2  # the declined card period and the PIX one
        # The buyer cancels the subscription in their Mercado Pago account.
        from payments.providers import mercadopago as provider

        provider.update_preapproval(member.preapproval_id, status="cancelled")
        deliver()
        assert reload(member).status == S.PAST_DUE  # unpaid: grace runs, then the role goes
