"""Payments against the Mercado Pago sandbox through the real SDK: creation, the state machine,
webhook application, refunds, reconciliation. Outcomes must be dispatched exactly once."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from payments import pix, services
from payments.models import Payment, Refund, WebhookEvent
from payments.providers import mercadopago as mp_api
from payments.tasks import apply_webhook_event, reconcile_payments, sync_provider_payment
from tests.payments.conftest import TOKEN, as_payable, replay

pytestmark = [pytest.mark.django_db,
              pytest.mark.filterwarnings("ignore:notification_url is deprecated")]
S = Payment.Status


def drain() -> None:
    for pk in WebhookEvent.objects.filter(state=WebhookEvent.State.RECEIVED).values_list(
            "pk", flat=True):
        apply_webhook_event(pk)


def deliver_all(client, mp) -> None:
    """Every notification the sandbox produced, posted to our webhook, then applied."""
    for record in mp.notifications():
        assert replay(client, record).status_code == 200
    drain()


@pytest.fixture
def pix_payment(shop, mp, outcomes) -> Payment:
    return services.payment_create(payable=as_payable(shop.tenant), method="pix")


def test_pix_creation_uses_expiry_reference_and_idempotency(shop, mp, outcomes):
    shop.tenant.settings = {"pix_expiry_minutes": 15}
    before = timezone.now()
    payment = services.payment_create(payable=as_payable(shop.tenant, 2500), method="pix")
    assert payment.status == S.PENDING and payment.provider_payment_id
    remote = mp.payment(payment.provider_payment_id)
    assert remote["external_reference"] == str(payment.pk)
    assert remote["metadata"]["tenant_id"] == str(shop.tenant.pk)
    assert timedelta(minutes=14) < payment.expires_at - before <= timedelta(minutes=15, seconds=5)
    assert pix.parse(payment.pix_code).amount_cents == 2500
    # A retried creation with the same reference returns the first charge, not a second one.
    again = mp_api.create_pix(reference=str(payment.pk), amount_cents=2500, description="x",
                              payer_email="b@example.com", expires_at=payment.expires_at,
                              notification_url="http://127.0.0.1:9/")
    assert str(again["id"]) == payment.provider_payment_id
    assert len(mp.call(lambda: list(mp.emulator.store.payments))) == 1


def test_approval_via_webhook_once_despite_duplicates(client, pix_payment, mp, outcomes):
    mp.set_switches(duplicate=True)
    mp.approve(pix_payment.provider_payment_id)
    deliver_all(client, mp)
    deliver_all(client, mp)  # MP retrying everything: stored once, applied once
    pix_payment.refresh_from_db()
    assert pix_payment.status == S.APPROVED and pix_payment.approved_at
    assert outcomes.outcomes(pix_payment) == ["approved"]
    events = WebhookEvent.objects.filter(data_id=pix_payment.provider_payment_id)
    assert events.count() == len({r["event_id"] for r in mp.notifications()})
    assert set(events.values_list("state", flat=True)) == {"processed"}
    assert events.first().payment_id == pix_payment.pk
    # Re-running the task for an already processed event does nothing.
    assert apply_webhook_event(events.first().pk) == "not claimed"
    assert outcomes.outcomes(pix_payment) == ["approved"]


def test_out_of_order_notifications_end_in_same_state(client, pix_payment, mp, outcomes):
    mp.set_switches(out_of_order=True)
    mp.approve(pix_payment.provider_payment_id)
    mp.refund(pix_payment.provider_payment_id)
    records = mp.notifications()
    assert [r["payment_status"] for r in records] == ["pending", "approved", "refunded"]
    for record in reversed(records):  # newest first
        assert replay(client, record).status_code == 200
    drain()
    pix_payment.refresh_from_db()
    assert pix_payment.status == S.REFUNDED and pix_payment.refunded_cents == 1990
    assert outcomes.outcomes(pix_payment) == ["approved", "refunded"]
    assert Refund.objects.for_tenant(pix_payment.tenant).filter(payment=pix_payment).count() == 1


def test_one_centavo_difference_goes_to_review(shop, mp, outcomes):
    tenant = as_payable(shop.tenant, 1990)
    payment = services._payment_row(payable=tenant, method="pix", provider="mercadopago")
    body = mp.sdk(TOKEN).payment().create({
        "transaction_amount": 19.89, "payment_method_id": "pix", "external_reference":
        str(payment.pk), "payer": {"email": "b@example.com"}})["response"]
    mp.approve(body["id"])
    services.payment_sync(provider_payment_id=str(body["id"]))
    payment.refresh_from_db()
    assert payment.status == S.REVIEW and "amount 1989 != 1990" in payment.review_reason
    assert outcomes.calls == []
    assert AuditEvent.objects.filter(action="payment.review", target_id=str(payment.pk)).exists()


def test_reference_of_another_tenant_changes_nothing(shop, other_shop, mp, outcomes):
    theirs = services.payment_create(payable=as_payable(other_shop.tenant), method="pix")
    body = mp.sdk(TOKEN).payment().create({
        "transaction_amount": 19.90, "payment_method_id": "pix",
        "external_reference": str(theirs.pk), "metadata": {"tenant_id": str(shop.tenant.pk)},
        "payer": {"email": "b@example.com"}})["response"]
    mp.approve(body["id"])
    with pytest.raises(services.UnknownPayment):
        services.payment_sync(provider_payment_id=str(body["id"]))
    theirs.refresh_from_db()
    assert theirs.status == S.PENDING and outcomes.calls == []
    assert AuditEvent.objects.filter(action="payment.reference_mismatch").count() == 1


def test_unknown_provider_payment_is_ignored_and_audited(client, signed, mp, outcomes):
    assert signed(client, "999999").status_code == 200
    event = WebhookEvent.objects.get()
    assert apply_webhook_event(event.pk) == "unknown payment"
    event.refresh_from_db()
    assert event.state == "ignored" and "not found" in event.error
    # a provider payment that exists but carries no reference of ours
    body = mp.sdk(TOKEN).payment().create({"transaction_amount": 5, "payment_method_id": "pix",
                                           "payer": {"email": "b@example.com"}})["response"]
    with pytest.raises(services.UnknownPayment):
        services.payment_sync(provider_payment_id=str(body["id"]))
    assert AuditEvent.objects.filter(action="payment.unknown").exists()


def test_legacy_ipn_is_resolved_by_fetching(client, signed, pix_payment, mp, outcomes):
    mp.approve(pix_payment.provider_payment_id)
    pid = pix_payment.provider_payment_id
    response = signed(client, pid, body={}, query=f"topic=payment&id={pid}")
    assert response.status_code == 200
    event = WebhookEvent.objects.get(legacy_ipn=True)
    apply_webhook_event(event.pk)
    pix_payment.refresh_from_db()
    assert pix_payment.status == S.APPROVED and outcomes.outcomes(pix_payment) == ["approved"]


def test_partial_then_full_refund_from_the_portal_service(client, shop, pix_payment, mp,
                                                          outcomes):
    mp.approve(pix_payment.provider_payment_id)
    services.payment_sync(provider_payment_id=pix_payment.provider_payment_id)
    pix_payment.refresh_from_db()
    first = services.payment_refund(payment=pix_payment, actor=shop.owner, reason="faltou item",
                                    amount_cents=490)
    pix_payment.refresh_from_db()
    assert first.partial and first.provider_refund_id and first.actor == shop.owner
    assert pix_payment.status == S.APPROVED and pix_payment.refunded_cents == 490
    assert outcomes.outcomes(pix_payment) == ["approved"]
    with pytest.raises(services.PaymentError):
        services.payment_refund(payment=pix_payment, actor=shop.owner, reason="x",
                                amount_cents=1501)
    services.payment_refund(payment=pix_payment, actor=shop.owner, reason="cliente desistiu")
    pix_payment.refresh_from_db()
    assert pix_payment.status == S.REFUNDED and pix_payment.refunded_cents == 1990
    assert outcomes.outcomes(pix_payment) == ["approved", "refunded"]
    deliver_all(client, mp)  # the refund webhooks arrive afterwards: nothing new
    refunds = Refund.objects.for_tenant(shop.tenant).filter(payment=pix_payment)
    assert refunds.count() == 2 and {r.source for r in refunds} == {"portal"}
    assert outcomes.outcomes(pix_payment) == ["approved", "refunded"]
    assert AuditEvent.objects.filter(action="payment.refund", actor=shop.owner).count() == 2


def test_refund_and_chargeback_seen_at_the_provider(client, shop, mp, outcomes):
    tenant = as_payable(shop.tenant)
    refunded = services.payment_create(payable=tenant, method="pix")
    charged = services.payment_create(payable=tenant, method="pix")
    for p in (refunded, charged):
        mp.approve(p.provider_payment_id)
    mp.refund(refunded.provider_payment_id, 5.00)
    mp.charge_back(charged.provider_payment_id)
    deliver_all(client, mp)
    refunded.refresh_from_db()
    charged.refresh_from_db()
    assert refunded.status == S.APPROVED and refunded.refunded_cents == 500
    refund = Refund.objects.for_tenant(shop.tenant).get(payment=refunded)
    assert refund.partial and refund.source == "provider" and refund.amount_cents == 500
    assert charged.status == S.CHARGED_BACK
    assert outcomes.outcomes(charged) == ["approved", "charged_back"]
    assert outcomes.outcomes(refunded) == ["approved"]


def test_concurrent_workers_transition_once(transactional_db, shop, mp, outcomes):
    import threading

    from django.db import connection

    payment = services.payment_create(payable=as_payable(shop.tenant), method="pix")
    mp.approve(payment.provider_payment_id)
    barrier, errors = threading.Barrier(6), []

    def worker() -> None:
        try:
            barrier.wait(5)
            services.payment_sync(provider_payment_id=payment.provider_payment_id)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == []
    assert outcomes.outcomes(payment) == ["approved"]
    assert AuditEvent.objects.filter(action="payment.approved").count() == 1


def test_card_checkout_pro_and_result_page(client, shop, mp, outcomes):
    payment = services.payment_create(payable=as_payable(shop.tenant, 4990), method="card")
    assert payment.status == S.PENDING and payment.checkout_url and payment.preference_id
    pref = mp.sdk(TOKEN).preference().get(payment.preference_id)["response"]
    assert pref["external_reference"] == str(payment.pk)
    assert pref["statement_descriptor"] == "LOJA ALFA"
    assert pref["back_urls"]["success"].endswith(f"/pay/{payment.public_id}/result/")
    # The buyer declines once, then pays: two provider payments for one preference.
    for card in ("OTHE", "APRO"):
        answer = requests.post(f"{mp.url}/checkout/v1/pay", allow_redirects=False, timeout=5,
                               data={"pref_id": payment.preference_id, "card": card,
                                     "email": "b@example.com", "payment_method_id": "master"})
        back = urlsplit(answer.headers["Location"])
        query = parse_qs(back.query)
        assert back.path == f"/pay/{payment.public_id}/result/"
        page = client.get(f"{back.path}?{back.query}")
        assert page.status_code == 200
        sync_provider_payment(query["payment_id"][0])
    payment.refresh_from_db()
    assert payment.status == S.APPROVED and outcomes.outcomes(payment) == ["approved"]
    deliver_all(client, mp)  # the declined attempt's late webhook cannot undo it
    payment.refresh_from_db()
    assert payment.status == S.APPROVED and outcomes.outcomes(payment) == ["approved"]


def test_reconciliation_finds_lost_approvals_and_expires_pix(shop, mp, outcomes):
    tenant = as_payable(shop.tenant)
    paid = services.payment_create(payable=tenant, method="pix")
    late = services.payment_create(payable=tenant, method="pix")
    mp.approve(paid.provider_payment_id)  # its webhook is lost (nothing listens)
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        counts = reconcile_payments()
    assert counts["checked"] == 2 and counts["changed"] == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        reconcile_payments()
        reconcile_payments()
    paid.refresh_from_db()
    late.refresh_from_db()
    assert paid.status == S.APPROVED and late.status == S.EXPIRED
    assert mp.payment(late.provider_payment_id)["status"] == "cancelled"
    assert outcomes.outcomes(paid) == ["approved"] and outcomes.outcomes(late) == ["expired"]


def test_manual_pix_confirmed_once_by_the_owner(shop, mp, outcomes):
    tenant = as_payable(shop.tenant, 3000)
    with pytest.raises(services.PaymentError):
        services.payment_create(payable=tenant, method="manual_pix")
    tenant.settings = {"manual_pix_key": "dono@example.com", "manual_pix_city": "Florianópolis"}
    payment = services.payment_create(payable=tenant, method="manual_pix")
    code = pix.parse(payment.pix_code)
    assert (code.key, code.amount_cents, code.city) == ("dono@example.com", 3000,
                                                        "Florianopolis")
    assert code.txid == payment.public_id.hex[:25] and payment.status == S.PENDING
    services.payment_manual_confirm(payment=payment, actor=shop.owner)
    services.payment_manual_confirm(payment=payment, actor=shop.owner)
    assert outcomes.outcomes(payment) == ["approved"]
    services.payment_refund(payment=payment, actor=shop.owner, reason="devolvido por PIX")
    payment.refresh_from_db()
    assert payment.status == S.REFUNDED and outcomes.outcomes(payment) == ["approved",
                                                                            "refunded"]


def test_manual_pix_expires_in_reconciliation(shop, outcomes):
    tenant = as_payable(shop.tenant)
    tenant.settings = {"manual_pix_key": "dono@example.com", "manual_pix_city": "Recife"}
    payment = services.payment_create(payable=tenant, method="manual_pix")
    with time_machine.travel(timezone.now() + timedelta(minutes=40)):
        reconcile_payments()
    payment.refresh_from_db()
    assert payment.status == S.EXPIRED and outcomes.outcomes(payment) == ["expired"]
    # The transfer arrived after all: money is money, the payable hears "approved" (late).
    services.payment_manual_confirm(payment=payment, actor=shop.owner)
    assert outcomes.outcomes(payment) == ["expired", "approved"]
    payment.refresh_from_db()
    with pytest.raises(services.PaymentError):
        services.payment_refund(payment=payment, actor=shop.owner, reason=" ")
