"""Refunds reach the order and the ledger: each Refund reverses its own amount once, a full
refund never reverses twice, whatever the order of events and however often they replay."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction

from payments import services as payments
from payments.models import Refund
from payments.registry import Outcome, dispatch
from sales import services
from sales.models import Order, OrderEvent
from tests.sales import factories as f
from wallet.models import LedgerTransaction
from wallet.services import reversed_cents


@pytest.fixture
def paid(shop, mp):
    v = f.variant(f.product(shop.tenant), price_cents=10000, keys=3)
    buyer = f.customer(shop.tenant)
    services.cart_add(customer=buyer, variant_id=v.pk, quantity=1)
    payment = services.checkout(customer=buyer).payment
    mp.approve(payment.provider_payment_id)
    payments.payment_sync(provider_payment_id=payment.provider_payment_id)
    payment.refresh_from_db()
    return shop, payment


def _reversals(payment) -> dict[str, int]:
    keys = [f"refund:{pk}" for pk in Refund.objects.for_tenant(payment.tenant_id)
            .filter(payment=payment).values_list("pk", flat=True)]
    return reversed_cents(keys=[*keys, f"refund:payment:{payment.pk}"])


def _order(payment) -> Order:
    return Order.objects.for_tenant(payment.tenant_id).get(pk=payment.payable_id)


def _replay(payment) -> None:
    payments.payment_sync(provider_payment_id=payment.provider_payment_id)
    payment.refresh_from_db()
    again = [Outcome.REFUND, Outcome.APPROVED]
    again += [Outcome.REFUNDED] if payment.status == "refunded" else []
    with transaction.atomic():
        for outcome in again:
            dispatch(payment, outcome)


def test_partial_then_full_refund(paid):
    shop, payment = paid
    first = payments.payment_refund(payment=payment, actor=shop.owner, reason="faltou item",
                                    amount_cents=3000)
    order = _order(payment)
    assert order.status == Order.Status.PAID
    assert _reversals(payment) == {f"refund:{first.pk}": 3000}
    event = OrderEvent.objects.for_tenant(shop.tenant).filter(order=order).last()
    assert event.from_status == event.to_status == "paid"
    assert event.reason.startswith("partially refunded R$30.00")

    payment.refresh_from_db()
    second = payments.payment_refund(payment=payment, actor=shop.owner, reason="desistiu")
    assert _order(payment).status == Order.Status.REFUNDED
    assert _reversals(payment) == {f"refund:{first.pk}": 3000, f"refund:{second.pk}": 7000}
    partial_events = OrderEvent.objects.for_tenant(shop.tenant).filter(
        order=order, reason__startswith="partially")
    assert partial_events.count() == 1

    _replay(payment)  # replayed webhooks and outcomes change nothing
    assert sum(_reversals(payment).values()) == 10000 and partial_events.count() == 1
    call_command("wallet_verify")


def test_full_refund_only(paid):
    shop, payment = paid
    refund = payments.payment_refund(payment=payment, actor=shop.owner, reason="duplicado")
    assert _order(payment).status == Order.Status.REFUNDED
    assert _reversals(payment) == {f"refund:{refund.pk}": 10000}
    assert not OrderEvent.objects.for_tenant(shop.tenant).filter(
        reason__startswith="partially").exists()
    _replay(payment)
    assert _reversals(payment) == {f"refund:{refund.pk}": 10000}
    call_command("wallet_verify")


def test_refunded_status_before_its_refund_rows_reverses_once(paid, mp):
    shop, payment = paid
    with transaction.atomic():  # a notification that says "refunded" with no refund list
        dispatch(payment, Outcome.REFUNDED)
    assert _reversals(payment) == {f"refund:payment:{payment.pk}": 10000}
    mp.refund(payment.provider_payment_id)  # then the provider's refund row shows up
    _replay(payment)
    assert Refund.objects.for_tenant(shop.tenant).filter(payment=payment).count() == 1
    assert sum(_reversals(payment).values()) == 10000
    call_command("wallet_verify")


def test_partial_refund_seen_with_the_approval(shop, mp):
    v = f.variant(f.product(shop.tenant), price_cents=10000, keys=3)
    buyer = f.customer(shop.tenant)
    services.cart_add(customer=buyer, variant_id=v.pk, quantity=1)
    payment = services.checkout(customer=buyer).payment
    mp.approve(payment.provider_payment_id)
    mp.refund(payment.provider_payment_id, 25.00)
    payments.payment_sync(provider_payment_id=payment.provider_payment_id)
    assert _order(payment).status == Order.Status.PAID
    assert sum(_reversals(payment).values()) == 2500
    assert LedgerTransaction.objects.unscoped().filter(key=f"sale:{payment.pk}").count() == 1
    _replay(payment)
    assert sum(_reversals(payment).values()) == 2500
    call_command("wallet_verify")
