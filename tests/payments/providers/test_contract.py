"""One contract for every payment provider, against its sandbox over real HTTP.

Parametrized over payments.providers (Mercado Pago platform account: PIX; a shop's own
Mercado Pago account connected by OAuth, with the platform's fee split off; Stripe: card
Checkout Sessions). A new provider joins by adding a harness in conftest.py.
"""

from __future__ import annotations

import pytest

from payments import providers
from payments.providers.base import (
    ChargeStatus,
    PaymentProvider,
    ProviderError,
    WebhookRejected,
)

# django_db: the shop-account harness connects a real shop (tenant + connection rows).
pytestmark = [pytest.mark.filterwarnings("ignore:notification_url is deprecated"),
              pytest.mark.django_db]


def test_every_registered_provider_is_under_contract():
    assert set(providers.PROVIDERS) == {"mercadopago", "mercadopago_seller", "stripe"}
    for provider in providers.PROVIDERS.values():
        assert isinstance(provider, PaymentProvider)
    for option, (name, method) in providers.OPTIONS.items():
        assert method in providers.get(name).methods, option


def test_create_gives_a_pending_charge_for_our_amount_and_reference(harness):
    request = harness.request(amount_cents=2345)
    charge = harness.provider.create_charge(request)
    assert charge.status == ChargeStatus.PENDING
    assert charge.provider_payment_id
    assert (charge.amount_cents, charge.currency, charge.reference) == (2345, "BRL",
                                                                        request.reference)
    assert charge.pix_code or charge.checkout_url.startswith(("http://", "https://"))
    again = harness.provider.get_charge(charge.provider_payment_id)
    assert (again.status, again.amount_cents, again.reference, again.tenant_id) == (
        ChargeStatus.PENDING, 2345, request.reference, harness.tenant_id)


def test_create_is_idempotent_per_reference(harness):
    request = harness.request()
    first = harness.provider.create_charge(request)
    second = harness.provider.create_charge(request)
    assert second.provider_payment_id == first.provider_payment_id


def test_paid_then_refunded_partly_then_fully(harness):
    charge = harness.provider.create_charge(harness.request(amount_cents=1000))
    harness.pay(charge)
    paid = harness.provider.get_charge(charge.provider_payment_id)
    assert paid.status == ChargeStatus.APPROVED and paid.refunded_cents == 0

    part = harness.provider.refund(provider_payment_id=charge.provider_payment_id,
                                   amount_cents=300, idempotency_key=f"k-{charge.reference}-1")
    assert part.amount_cents == 300 and part.provider_refund_id
    retried = harness.provider.refund(provider_payment_id=charge.provider_payment_id,
                                      amount_cents=300, idempotency_key=f"k-{charge.reference}-1")
    assert retried.provider_refund_id == part.provider_refund_id  # the key: one refund
    after = harness.provider.get_charge(charge.provider_payment_id)
    assert after.status == ChargeStatus.APPROVED and after.refunded_cents == 300
    assert [r.amount_cents for r in after.refunds] == [300]

    rest = harness.provider.refund(provider_payment_id=charge.provider_payment_id,
                                   amount_cents=None, idempotency_key=f"k-{charge.reference}-2")
    assert rest.amount_cents == 700
    done = harness.provider.get_charge(charge.provider_payment_id)
    assert done.status == ChargeStatus.REFUNDED and done.refunded_cents == 1000
    assert sorted(r.amount_cents for r in done.refunds) == [300, 700]


def test_refund_beyond_what_is_left_is_a_permanent_error(harness):
    charge = harness.provider.create_charge(harness.request(amount_cents=500))
    harness.pay(charge)
    with pytest.raises(ProviderError) as caught:
        harness.provider.refund(provider_payment_id=charge.provider_payment_id,
                                amount_cents=501, idempotency_key="too-much")
    assert caught.value.permanent
    assert harness.provider.get_charge(charge.provider_payment_id).refunded_cents == 0


def test_cancel_closes_an_open_charge(harness):
    charge = harness.provider.create_charge(harness.request())
    cancelled = harness.provider.cancel(charge.provider_payment_id)
    assert cancelled.status in (ChargeStatus.CANCELLED, ChargeStatus.EXPIRED)
    assert harness.provider.get_charge(charge.provider_payment_id).status == cancelled.status


def test_unknown_charge_is_a_permanent_404(harness):
    missing = "cs_test_missing" if harness.provider.name == "stripe" else "999999999"
    with pytest.raises(ProviderError) as caught:
        harness.provider.get_charge(missing)
    assert caught.value.permanent and caught.value.status == 404


def test_unreachable_provider_is_a_retryable_error(harness, settings):
    charge = harness.provider.create_charge(harness.request())
    settings.STRIPE_API_BASE_URL = settings.MERCADOPAGO_API_BASE_URL = "http://127.0.0.1:9"
    with pytest.raises(ProviderError) as caught:
        harness.provider.get_charge(charge.provider_payment_id)
    assert not caught.value.permanent


def test_sandbox_webhook_verifies_and_a_tampered_one_does_not(harness):
    charge = harness.provider.create_charge(harness.request())
    harness.pay(charge)
    body, headers, query = harness.signed_webhook()
    notice = harness.provider.verify_webhook(body=body, headers=headers, query=query)
    assert notice.event_id and notice.topic and notice.data_id
    name, value = next((k, v) for k, v in headers.items()
                       if k.lower() in ("stripe-signature", "x-signature"))
    forged = {**headers, name: value[:-1] + ("0" if value[-1] != "0" else "1")}
    with pytest.raises(WebhookRejected) as caught:
        harness.provider.verify_webhook(body=body, headers=forged, query=query)
    assert caught.value.status == 401
    with pytest.raises(WebhookRejected):
        harness.provider.verify_webhook(body=body, headers={}, query=query)


def test_card_gives_a_hosted_checkout_page_in_the_payments_currency(harness):
    if "card" not in harness.provider.methods:
        pytest.fail(f"{harness.provider.name} offers no card")
    harness.method = "card"
    request = harness.request(amount_cents=4990, currency="BRL")
    charge = harness.provider.create_charge(request)
    assert charge.status == ChargeStatus.PENDING and charge.checkout_id
    assert charge.checkout_url.startswith(harness.sandbox.url)
    assert (charge.amount_cents, charge.currency) == (4990, "BRL")
    assert harness.provider.find_charge(request.reference) is None  # nothing paid yet


def test_a_method_the_provider_does_not_offer_is_refused_permanently(harness):
    harness.method = "boleto"
    with pytest.raises(ProviderError) as caught:
        harness.provider.create_charge(harness.request())
    assert caught.value.permanent


def test_a_split_charge_pays_the_platform_its_fee_at_approval(harness):
    """Providers that split (a shop's own account) report the fee they paid the platform."""
    request = harness.request(amount_cents=2000)
    charge = harness.provider.create_charge(request)
    harness.pay(charge)
    paid = harness.provider.get_charge(charge.provider_payment_id)
    assert paid.application_fee_cents == request.application_fee_cents
