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
    # The evidence's delivery log names the Discord message that carried the key, with its time.
    from disputes.evidence import bundle_data

    sent = {m["id"] for m in world.sb.dms(world.buyer_id)}
    logged = [m for d in bundle_data(dispute)["deliveries"] for m in d["discord_messages"]]
    assert logged and {m["message_id"] for m in logged} <= sent and all(m["at"] for m in logged)
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


def test_duplicate_and_out_of_order_notifications_end_in_one_effect(
        world, mp, client, django_capture_on_commit_callbacks):
    _order, payment, _role = buy(world, mp, django_capture_on_commit_callbacks)
    mp.set_switches(duplicate=True, out_of_order=True)
    chargeback = mp.open_chargeback(payment.provider_payment_id)
    mp.resolve_chargeback(chargeback["id"], won=True)
    mp.set_switches(duplicate=False, out_of_order=False)
    mp.flush_notifications()
    records = list(reversed(mp.notifications()))  # the verdict's notifications arrive first
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, mp, records)
        deliver(client, mp, records)  # and all of them again
    dispute = Dispute.objects.for_tenant(world.tenant).get()
    assert dispute.state == "won"  # the first re-read already saw the verdict
    from wallet.models import LedgerTransaction

    keys = set(LedgerTransaction.objects.unscoped().filter(
        tenant=world.tenant).values_list("key", flat=True))
    assert {f"chargeback:payment:{payment.pk}", f"dispute:{dispute.pk}:won"} <= keys
    assert balances(tenant=world.tenant).total == 5700  # frozen once, released once
    assert_ledger_clean()


def test_forged_signature_is_refused_and_nothing_is_stored(world, mp, client,
                                                           django_capture_on_commit_callbacks):
    _order, payment, _role = buy(world, mp, django_capture_on_commit_callbacks)
    mp.set_switches(wrong_signature=True)
    mp.open_chargeback(payment.provider_payment_id)
    record = topic_records(mp, "topic_chargebacks_wh")[0]
    import uuid
    from urllib.parse import urlsplit

    from payments import webhooks

    parts = urlsplit(record["url"])
    request_id = str(uuid.uuid4())
    forged = webhooks.sign(secret="not-the-secret", data_id=str(record["body"]["data"]["id"]),
                           request_id=request_id, ts=int(__import__("time").time()))
    before = WebhookEvent.objects.count()
    answer = client.post(f"/webhooks/mercadopago?{parts.query}",
                         data=__import__("json").dumps(record["body"]),
                         content_type="application/json",
                         headers={"x-signature": forged, "x-request-id": request_id})
    assert answer.status_code == 401
    assert WebhookEvent.objects.count() == before
    assert not Dispute.objects.for_tenant(world.tenant).exists()
    assert_ledger_clean()


def test_legacy_ipn_topic_is_applied_too(world, mp, client, settings,
                                         django_capture_on_commit_callbacks):
    settings.MERCADOPAGO_IPN_ALLOW_UNSIGNED = True
    _order, payment, _role = buy(world, mp, django_capture_on_commit_callbacks)
    chargeback = mp.open_chargeback(payment.provider_payment_id)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/webhooks/mercadopago?topic=chargebacks&id={chargeback['id']}",
                                 data="", content_type="application/json")
        assert answer.status_code == 200
        from tests.disputes.conftest import drain

        drain()
    assert Dispute.objects.for_tenant(world.tenant).get().external_id == chargeback["id"]
    assert_ledger_clean()
