"""Stripe disputes into the same flow: `charge.dispute.*` events verified by Stripe-Signature,
stored once, re-read from GET /v1/disputes/{id} and applied once."""

from __future__ import annotations

import pytest

from disputes.models import Dispute
from payments.models import Payment, WebhookEvent
from payments.services import payment_sync
from payments.tasks import apply_webhook_event
from sales import services
from sales.models import Customer, Order
from tests.disputes.conftest import assert_ledger_clean
from tests.payments.providers.conftest import (  # noqa: F401  (fixtures)
    post_hook,
    receiver,
    stripe_sandbox,
)
from tests.sales import factories as f
from wallet.selectors import balances

pytestmark = pytest.mark.django_db


def _drain() -> None:
    for pk in WebhookEvent.objects.filter(state="received").values_list("pk", flat=True):
        apply_webhook_event(pk)


def _paid(shop, stripe_sandbox) -> Payment:  # noqa: F811
    shop.tenant.settings = {**shop.tenant.settings, "stripe_card_enabled": True}
    shop.tenant.save()
    variant = f.variant(f.product(shop.tenant), price_cents=4000, keys=1)
    buyer = f.customer(shop.tenant, discord_user_id="1191168914264948745")
    services.cart_add(customer=buyer, variant_id=variant.pk, quantity=1)
    payment = services.checkout(customer=buyer, method="stripe_card").payment
    stripe_sandbox.pay(payment.provider_payment_id)
    payment_sync(provider_payment_id=payment.provider_payment_id, provider="stripe")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.APPROVED
    return payment


def _intent(stripe_sandbox, payment) -> str:  # noqa: F811
    return stripe_sandbox.call(lambda: stripe_sandbox.emulator.sessions[
        payment.provider_payment_id]["payment_intent"])


def _deliver(client, receiver, count: int, types: tuple[str, ...]) -> None:  # noqa: F811
    """The first `count` events Stripe sent (waiting for them), those of `types` posted."""
    hooks = [h for h in receiver.wait_for(count)[:count] if h.body["type"] in types]
    for hook in hooks:
        assert post_hook(client, hook).status_code == 200
        assert post_hook(client, hook).json() == {"status": "duplicate"}
    _drain()


def test_stripe_dispute_opens_freezes_and_won_releases(shop, client, stripe_sandbox,  # noqa: F811
                                                       receiver):  # noqa: F811
    payment = _paid(shop, stripe_sandbox)
    held = balances(tenant=shop.tenant)
    dispute = stripe_sandbox.open_dispute(_intent(stripe_sandbox, payment))
    _deliver(client, receiver, 5, ("charge.dispute.created", "charge.dispute.funds_withdrawn"))
    ours = Dispute.objects.for_tenant(shop.tenant).get()
    assert ours.provider == "stripe" and ours.external_id == dispute["id"]
    assert ours.state == "open" and ours.frozen_cents == 4000 and ours.reason == "fraudulent"
    assert ours.deadline_at is not None and ours.keys_compromised == 1
    assert Order.objects.for_tenant(shop.tenant).get(pk=payment.payable_id).status == \
        "charged_back"
    assert Customer.objects.for_tenant(shop.tenant).get(pk=ours.customer_id).is_blocked
    assert balances(tenant=shop.tenant).total == held.total - 4000
    stripe_sandbox.close_dispute(dispute["id"], won=True)
    _deliver(client, receiver, 7, ("charge.dispute.closed", "charge.dispute.funds_reinstated"))
    ours.refresh_from_db()
    assert ours.state == "won" and balances(tenant=shop.tenant).total == held.total
    assert WebhookEvent.objects.filter(provider="stripe", topic__startswith="charge.dispute",
                                       state="processed").count() == 4
    assert_ledger_clean()


def test_stripe_dispute_lost_keeps_the_debit_and_forgery_is_refused(
        shop, client, stripe_sandbox, receiver):  # noqa: F811
    payment = _paid(shop, stripe_sandbox)
    held = balances(tenant=shop.tenant)
    dispute = stripe_sandbox.open_dispute(_intent(stripe_sandbox, payment))
    stripe_sandbox.close_dispute(dispute["id"], won=False)
    hook = next(h for h in receiver.wait_for(6) if h.body["type"] == "charge.dispute.closed")
    before = WebhookEvent.objects.count()
    forged = client.post("/webhooks/stripe", data=hook.raw, content_type="application/json",
                         headers={"Stripe-Signature": "t=1,v1=" + "0" * 64})
    assert forged.status_code == 401 and WebhookEvent.objects.count() == before
    # Only the verdict arrives (out of order: created never came): one dispute, lost.
    assert post_hook(client, hook).status_code == 200
    _drain()
    ours = Dispute.objects.for_tenant(shop.tenant).get()
    assert ours.state == "lost" and ours.frozen_cents == 4000
    assert balances(tenant=shop.tenant).total == held.total - 4000
    _deliver(client, receiver, 6, ("charge.dispute.created", "charge.dispute.funds_withdrawn"))
    assert Dispute.objects.for_tenant(shop.tenant).count() == 1
    assert balances(tenant=shop.tenant).total == held.total - 4000
    assert_ledger_clean()


def _paid_in_dollars(shop, stripe_sandbox) -> Payment:  # noqa: F811
    """A BRL shop's variant sold at its USD price by Stripe (issue 23)."""
    from catalog import services as catalog_services

    shop.tenant.settings = {**shop.tenant.settings, "stripe_card_enabled": True}
    shop.tenant.save()
    variant = f.variant(f.product(shop.tenant), price_cents=20000, keys=1)
    catalog_services.variant_save(product=variant.product, actor=None, variant=variant,
                                  prices={"USD": 4000})
    buyer = f.customer(shop.tenant, discord_user_id="1191168914264948745")
    services.cart_add(customer=buyer, variant_id=variant.pk, quantity=1)
    payment = services.checkout(customer=buyer, method="stripe_card", currency="USD").payment
    stripe_sandbox.pay(payment.provider_payment_id)
    payment_sync(provider_payment_id=payment.provider_payment_id, provider="stripe")
    payment.refresh_from_db()
    assert (payment.status, payment.currency, payment.amount_cents) == ("approved", "USD", 4000)
    return payment


def test_a_usd_stripe_dispute_freezes_and_releases_in_dollars(
        shop, client, stripe_sandbox, receiver):  # noqa: F811
    from wallet.models import Entry, LedgerTransaction

    payment = _paid_in_dollars(shop, stripe_sandbox)
    usd = balances(tenant=shop.tenant, currency="USD")
    assert usd.total > 0 and balances(tenant=shop.tenant).total == 0
    dispute = stripe_sandbox.open_dispute(_intent(stripe_sandbox, payment))
    _deliver(client, receiver, 5, ("charge.dispute.created", "charge.dispute.funds_withdrawn"))
    ours = Dispute.objects.for_tenant(shop.tenant).get()
    assert (ours.state, ours.currency, ours.frozen_cents) == ("open", "USD", 4000)
    # Frozen in dollars: the shop's USD books, never its reais.
    assert balances(tenant=shop.tenant, currency="USD").total == usd.total - 4000
    assert balances(tenant=shop.tenant).total == 0
    stripe_sandbox.close_dispute(dispute["id"], won=True)
    _deliver(client, receiver, 7, ("charge.dispute.closed", "charge.dispute.funds_reinstated"))
    ours.refresh_from_db()
    assert ours.state == "won"
    assert balances(tenant=shop.tenant, currency="USD").total == usd.total
    assert balances(tenant=shop.tenant).total == 0
    for key in (f"chargeback:payment:{payment.pk}", f"dispute:{ours.pk}:won"):
        txn = LedgerTransaction.objects.unscoped().get(key=key)
        assert set(Entry.objects.unscoped().filter(transaction=txn)
                   .values_list("account__currency", flat=True)) == {"USD"}
    assert_ledger_clean()
