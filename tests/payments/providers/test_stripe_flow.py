"""Stripe card payments end to end against the sandbox: Checkout Session creation, signed
webhooks at POST /webhooks/stripe (forgery, replay, rotation, out of order), refunds from the
portal's service, expiry and reconciliation. Outcomes are dispatched exactly once."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from payments import services
from payments.models import Payment, Refund, WebhookEvent
from payments.tasks import apply_webhook_event
from sales.services import payment_methods
from sandbox.stripe import signature_header
from tests.payments.conftest import as_payable
from tests.payments.providers.conftest import STRIPE_SECRET, post_hook

pytestmark = pytest.mark.django_db
S = Payment.Status
URL = "/webhooks/stripe"


def drain() -> None:
    for pk in WebhookEvent.objects.filter(state=WebhookEvent.State.RECEIVED).values_list(
            "pk", flat=True):
        apply_webhook_event(pk)


def deliver(client, hooks) -> list[str]:
    answers = []
    for hook in hooks:
        response = post_hook(client, hook)
        assert response.status_code == 200, response.content
        answers.append(response.json()["status"])
    drain()
    return answers


@pytest.fixture
def usd_payment(shop, stripe_sandbox, outcomes) -> Payment:
    shop.tenant.currency = "USD"
    shop.tenant.save(update_fields=["currency"])
    return services.payment_create(payable=as_payable(shop.tenant, 1500), method="stripe_card")


def _sent(receiver, count: int):
    return receiver.wait_for(count)[-count:]


def _completed(receiver):
    """The checkout.session.completed webhook among the three a payment sends."""
    return next(h for h in receiver.wait_for(3) if h.body["type"] == "checkout.session.completed")


def test_card_via_stripe_creates_a_checkout_session_in_the_payments_currency(
        usd_payment, stripe_sandbox):
    payment = usd_payment
    assert (payment.provider, payment.method, payment.status) == ("stripe", "card", S.PENDING)
    assert payment.provider_payment_id.startswith("cs_")
    assert payment.checkout_url.startswith(stripe_sandbox.url)
    assert payment.instructions().checkout_url == payment.checkout_url
    session = stripe_sandbox.call(stripe_sandbox.emulator.session, payment.provider_payment_id)
    assert (session["currency"], session["amount_total"]) == ("usd", 1500)
    assert session["client_reference_id"] == str(payment.pk)
    assert session["metadata"]["tenant_id"] == str(payment.tenant_id)
    assert session["success_url"].endswith(f"/pay/{payment.public_id}/result/")


def test_paid_session_approves_once_despite_duplicates(client, usd_payment, stripe_sandbox,
                                                       receiver, outcomes):
    stripe_sandbox.pay(usd_payment.provider_payment_id)
    hooks = _sent(receiver, 3)
    assert sorted(deliver(client, hooks)) == ["accepted", "accepted", "ignored"]
    usd_payment.refresh_from_db()
    assert usd_payment.status == S.APPROVED
    assert deliver(client, hooks) == ["duplicate"] * 3  # Stripe's retries of the same events
    assert outcomes.outcomes(usd_payment) == ["approved"]
    events = WebhookEvent.objects.filter(provider="stripe")
    assert events.count() == 3
    assert set(events.filter(state="processed").values_list("payment_id", flat=True)) == {
        usd_payment.pk}


@pytest.mark.parametrize("case", ["wrong_secret", "tampered", "missing", "stale", "future",
                                  "garbled"])
def test_forged_or_stale_webhooks_are_401_and_store_nothing(client, usd_payment,
                                                           stripe_sandbox, receiver, case):
    stripe_sandbox.pay(usd_payment.provider_payment_id)
    hook = _completed(receiver)
    body, now = hook.raw, int(time.time())
    header = {
        "wrong_secret": signature_header(body, ["whsec_not_ours"], now),
        "tampered": hook.headers["stripe-signature"],
        "missing": "",
        "stale": signature_header(body, [STRIPE_SECRET], now - 301),
        "future": signature_header(body, [STRIPE_SECRET], now + 301),
        "garbled": "t=abc,v1=;;",
    }[case]
    if case == "tampered":  # a bigger amount on the same signature
        body = body.replace(b'"amount_total": 1500', b'"amount_total": 1')
        assert body != hook.raw
    headers = {"Stripe-Signature": header} if header else {}
    # The clock stands still at the signing second: under load a request can take over a
    # second, which would bring a "301 s in the future" stamp back inside the tolerance.
    with time_machine.travel(now, tick=False):
        response = client.post(URL, data=body, content_type="application/json",
                               headers=headers)
    assert response.status_code == 401
    assert not WebhookEvent.objects.filter(provider="stripe").exists()
    assert AuditEvent.objects.filter(action="webhook.rejected",
                                     data__provider="stripe").exists()
    usd_payment.refresh_from_db()
    assert usd_payment.status == S.PENDING


def test_a_captured_webhook_replayed_later_is_refused(client, usd_payment, stripe_sandbox,
                                                     receiver):
    stripe_sandbox.pay(usd_payment.provider_payment_id)
    hook = _completed(receiver)
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        response = post_hook(client, hook)
    assert response.status_code == 401
    assert "tolerance" in response.json()["error"]
    assert not WebhookEvent.objects.exists()


def test_secret_rotation_accepts_any_listed_secret_and_any_v1(client, settings, usd_payment,
                                                             stripe_sandbox, receiver):
    stripe_sandbox.pay(usd_payment.provider_payment_id)
    hook = _completed(receiver)
    now = int(time.time())
    settings.STRIPE_WEBHOOK_SECRETS = f"whsec_new_one, {STRIPE_SECRET}"  # old still listed
    both = signature_header(hook.raw, ["whsec_unknown", STRIPE_SECRET], now)
    response = client.post(URL, data=hook.raw, content_type="application/json",
                           headers={"Stripe-Signature": both})
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    settings.STRIPE_WEBHOOK_SECRETS = "whsec_new_one"  # rotation finished: old one refused
    response = client.post(URL, data=hook.raw, content_type="application/json",
                           headers={"Stripe-Signature": both})
    assert response.status_code == 401


def test_without_configured_secrets_every_webhook_is_refused(client, settings):
    settings.STRIPE_WEBHOOK_SECRETS = ""
    body = json.dumps({"id": "evt_1", "type": "checkout.session.completed",
                       "data": {"object": {"object": "checkout.session", "id": "cs_1"}}}).encode()
    response = client.post(URL, data=body, content_type="application/json", headers={
        "Stripe-Signature": signature_header(body, [STRIPE_SECRET], int(time.time()))})
    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


def test_malformed_but_signed_bodies_are_400(client, stripe_sandbox):
    now = int(time.time())
    for body in (b"not json", b"[]", json.dumps({"type": "x", "data": {}}).encode()):
        response = client.post(URL, data=body, content_type="application/json", headers={
            "Stripe-Signature": signature_header(body, [STRIPE_SECRET], now)})
        assert response.status_code == 400, body
    big = b"{" + b" " * 70_000 + b"}"
    assert client.post(URL, data=big, content_type="application/json").status_code == 413
    assert client.get(URL).status_code == 405
    assert not WebhookEvent.objects.exists()


def test_out_of_order_refund_before_payment_ends_refunded_with_one_of_each(
        client, usd_payment, stripe_sandbox, receiver, outcomes):
    stripe_sandbox.pay(usd_payment.provider_payment_id)
    intent = stripe_sandbox.call(stripe_sandbox.emulator.session,
                                 usd_payment.provider_payment_id)["payment_intent"]
    stripe_sandbox.refund(intent)  # refunded in Stripe's dashboard
    hooks = _sent(receiver, 5)
    deliver(client, list(reversed(hooks)))  # charge.refunded first, session.completed last
    usd_payment.refresh_from_db()
    assert usd_payment.status == S.REFUNDED and usd_payment.refunded_cents == 1500
    assert outcomes.outcomes(usd_payment) == ["approved", "refunded"]
    assert Refund.objects.for_tenant(usd_payment.tenant).get().source == "provider"
    deliver(client, hooks)  # and again in order: nothing new
    assert outcomes.outcomes(usd_payment) == ["approved", "refunded"]
    assert Refund.objects.for_tenant(usd_payment.tenant).count() == 1


def test_partial_then_full_refund_from_the_portal(client, usd_payment, stripe_sandbox,
                                                  receiver, outcomes, shop):
    stripe_sandbox.pay(usd_payment.provider_payment_id)
    services.payment_sync(provider_payment_id=usd_payment.provider_payment_id,
                          provider="stripe")
    usd_payment.refresh_from_db()
    first = services.payment_refund(payment=usd_payment, actor=shop.owner, reason="defeito",
                                    amount_cents=500)
    usd_payment.refresh_from_db()
    assert (first.amount_cents, first.partial, usd_payment.status,
            usd_payment.refunded_cents) == (500, True, S.APPROVED, 500)
    services.payment_refund(payment=usd_payment, actor=shop.owner, reason="resto")
    usd_payment.refresh_from_db()
    assert usd_payment.status == S.REFUNDED and usd_payment.refunded_cents == 1500
    refunds = stripe_sandbox.call(stripe_sandbox.emulator.list_refunds,
                                  payment_intent=None)["data"]
    assert sorted(r["amount"] for r in refunds) == [500, 1000]
    deliver(client, _sent(receiver, 7))  # the refunds' own webhooks add nothing
    assert Refund.objects.for_tenant(usd_payment.tenant).count() == 2
    assert outcomes.outcomes(usd_payment) == ["approved", "refunded"]
    assert outcomes.refunds(usd_payment) == 2


def test_expired_session_expires_the_payment(client, usd_payment, stripe_sandbox, receiver,
                                             outcomes):
    stripe_sandbox.expire(usd_payment.provider_payment_id)
    deliver(client, _sent(receiver, 2))
    usd_payment.refresh_from_db()
    assert usd_payment.status == S.EXPIRED
    assert outcomes.outcomes(usd_payment) == ["expired"]


def test_reconciliation_closes_a_session_past_our_window(usd_payment, stripe_sandbox,
                                                         outcomes, settings):
    settings.PAYMENTS_RECONCILE_AFTER_SECONDS = 0
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        counts = services.payments_reconcile()
    assert counts["changed"] == 1
    usd_payment.refresh_from_db()
    assert usd_payment.status == S.EXPIRED
    session = stripe_sandbox.call(stripe_sandbox.emulator.session, usd_payment.provider_payment_id)
    assert session["status"] == "expired"  # it can no longer be paid


def test_card_via_stripe_is_offered_only_when_enabled_and_configured(shop, settings,
                                                                    stripe_sandbox):
    assert "stripe_card" not in payment_methods(shop.tenant)
    shop.tenant.settings = {**shop.tenant.settings, "stripe_card_enabled": True}
    assert "stripe_card" in payment_methods(shop.tenant)
    settings.STRIPE_SECRET_KEY = ""
    assert "stripe_card" not in payment_methods(shop.tenant)
    with pytest.raises(services.PaymentError):
        services.payment_create(payable=as_payable(shop.tenant), method="stripe_card")
    assert not Payment.objects.for_tenant(shop.tenant).exists()


def test_buyer_back_from_stripe_checkout_triggers_a_re_read(client, usd_payment,
                                                            stripe_sandbox, outcomes,
                                                            eager_celery,
                                                            django_capture_on_commit_callbacks):
    stripe_sandbox.pay(usd_payment.provider_payment_id)
    with django_capture_on_commit_callbacks(execute=True):
        # The query string is never trusted: our row names the session that is re-read.
        page = client.get(f"/pay/{usd_payment.public_id}/result/?session_id=cs_test_forged")
    assert page.status_code == 200
    usd_payment.refresh_from_db()
    assert usd_payment.status == S.APPROVED
    assert outcomes.outcomes(usd_payment) == ["approved"]


def test_a_declined_card_leaves_the_payment_open_for_another_try(usd_payment, stripe_sandbox,
                                                                outcomes):
    stripe_sandbox.pay(usd_payment.provider_payment_id, decline=True)
    services.payment_sync(provider_payment_id=usd_payment.provider_payment_id,
                          provider="stripe")
    usd_payment.refresh_from_db()
    assert usd_payment.status == S.PENDING and outcomes.outcomes(usd_payment) == []
    stripe_sandbox.pay(usd_payment.provider_payment_id)  # another card on the same page
    services.payment_sync(provider_payment_id=usd_payment.provider_payment_id,
                          provider="stripe")
    usd_payment.refresh_from_db()
    assert usd_payment.status == S.APPROVED and outcomes.outcomes(usd_payment) == ["approved"]


def test_a_session_for_another_amount_goes_to_review(usd_payment, stripe_sandbox,
                                                             outcomes):
    def tamper() -> None:  # the provider's truth disagrees with our row: never fulfil it
        stripe_sandbox.emulator.sessions[usd_payment.provider_payment_id]["amount_total"] = 1
    stripe_sandbox.call(tamper)
    stripe_sandbox.pay(usd_payment.provider_payment_id)
    services.payment_sync(provider_payment_id=usd_payment.provider_payment_id,
                          provider="stripe")
    usd_payment.refresh_from_db()
    assert usd_payment.status == S.REVIEW and outcomes.outcomes(usd_payment) == []
    assert "amount 1 != 1500" in usd_payment.review_reason
