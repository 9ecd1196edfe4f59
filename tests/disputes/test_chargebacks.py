"""Mercado Pago card chargebacks, end to end through the sandboxes: the notification is
verified, stored, re-read from GET /v1/chargebacks/{id} and applied once."""

from __future__ import annotations

import pytest

from disputes.models import CompromisedKey, Dispute
from payments.models import Payment, WebhookEvent
from sales.models import Customer
from tests.disputes.conftest import (
    assert_ledger_clean,
    buy,
    deliver,
    roles,
    topic_records,
)
from wallet.selectors import balances

pytestmark = [pytest.mark.django_db(transaction=False),
              pytest.mark.filterwarnings("ignore:notification_url is deprecated")]


def test_chargeback_removes_the_role_freezes_funds_and_blocks_the_buyer(
        world, mp, client, django_capture_on_commit_callbacks):
    order, payment, role = buy(world, mp, django_capture_on_commit_callbacks)
    assert order.status == "delivered" and role["id"] in roles(world)
    before = balances(tenant=world.tenant)
    assert before.pending == 5700 and before.available == 0  # 6000 less the 5% fee, held
    chargeback = mp.open_chargeback(payment.provider_payment_id)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, mp, topic_records(mp, "topic_chargebacks_wh"))
    dispute = Dispute.objects.for_tenant(world.tenant).get()
    assert dispute.external_id == chargeback["id"] and dispute.state == "open"
    assert dispute.kind == "chargeback" and dispute.amount_cents == 6000
    assert dispute.deadline_at is not None and dispute.order_id == order.pk
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.CHARGED_BACK and order.status == "charged_back"
    assert role["id"] not in roles(world)  # the real revoke path removed it in Discord
    assert dispute.roles_revoked == 1 and dispute.keys_compromised == 1
    assert CompromisedKey.objects.for_tenant(world.tenant).filter(dispute=dispute).count() == 1
    assert dispute.frozen_cents == 6000
    # The whole disputed amount is frozen: the sale's hold first, the platform's fee as debt.
    after = balances(tenant=world.tenant)
    assert after.pending == 0 and after.available == -300 and after.total == before.total - 6000
    assert Customer.objects.for_tenant(world.tenant).get(pk=world.customer.pk).is_blocked
    assert dispute.buyer_blocked
    assert WebhookEvent.objects.filter(topic="topic_chargebacks_wh",
                                       state="processed").count() == 1
    assert_ledger_clean()


def _open(world, mp, client, capture):
    order, payment, _role = buy(world, mp, capture)
    chargeback = mp.open_chargeback(payment.provider_payment_id)
    with capture(execute=True):
        deliver(client, mp)
    return order, payment, chargeback


def test_won_releases_the_frozen_money(world, mp, client, django_capture_on_commit_callbacks):
    _order, _payment, chargeback = _open(world, mp, client, django_capture_on_commit_callbacks)
    frozen = balances(tenant=world.tenant)
    mp.resolve_chargeback(chargeback["id"], won=True)
    deliver(client, mp, topic_records(mp, "topic_chargebacks_wh")[-1:])
    dispute = Dispute.objects.for_tenant(world.tenant).get()
    assert dispute.state == "won" and dispute.outcome_source == "provider"
    after = balances(tenant=world.tenant)
    assert after.total == frozen.total + 6000 and after.available == 5700
    deliver(client, mp)  # every notification again: nothing moves twice
    assert balances(tenant=world.tenant) == after
    assert_ledger_clean()


def test_lost_after_a_withdrawal_leaves_a_debt(world, mp, client, shop,
                                               django_capture_on_commit_callbacks):
    import time_machine
    from django.utils import timezone

    from wallet import services as wallet

    _order, payment, _role = buy(world, mp, django_capture_on_commit_callbacks)
    with time_machine.travel(timezone.now() + timezone.timedelta(days=60), tick=False):
        wallet.releases_run()
        withdrawal = wallet.withdrawal_request(tenant=world.tenant, actor=shop.owner,
                                               amount_cents=5700, pix_key_type="email",
                                               pix_key="dono@example.com")
    assert balances(tenant=world.tenant).available == 0
    chargeback = mp.open_chargeback(payment.provider_payment_id)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, mp)
    assert balances(tenant=world.tenant).available == -6000  # withdrawn: a debt
    mp.resolve_chargeback(chargeback["id"], won=False)
    deliver(client, mp)
    dispute = Dispute.objects.for_tenant(world.tenant).get()
    assert dispute.state == "lost" and dispute.frozen_cents == 6000
    assert balances(tenant=world.tenant).available == -6000  # the debit is final
    assert withdrawal.status == "pending"
    assert_ledger_clean()
