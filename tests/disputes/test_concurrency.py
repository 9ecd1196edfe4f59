"""Two workers applying the same dispute at once (real concurrent connections): one dispute,
one freeze, one block."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from disputes.models import Dispute
from disputes.services import dispute_apply
from disputes.truth import DisputeTruth
from payments.services import payment_sync
from sales import services
from tests.sales import factories as f
from tests.sales.factories import mp  # noqa: F401
from wallet.models import LedgerTransaction
from wallet.selectors import ledger_verify


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_open_one_dispute(shop, mp):  # noqa: F811
    variant = f.variant(f.product(shop.tenant), price_cents=3000, keys=1)
    buyer = f.customer(shop.tenant, discord_user_id="1191168914264948745")
    services.cart_add(customer=buyer, variant_id=variant.pk, quantity=1)
    payment = services.checkout(customer=buyer).payment
    mp.approve(payment.provider_payment_id)
    payment_sync(provider_payment_id=payment.provider_payment_id)
    truth = DisputeTruth(provider="mercadopago", external_id="claim-1", kind="med",
                         provider_payment_id=payment.provider_payment_id, amount_cents=None,
                         currency="BRL", reason="PDM9007", deadline_at=None, outcome="",
                         status="dispute opened")
    barrier, errors = threading.Barrier(4), []

    def worker() -> None:
        try:
            barrier.wait()
            dispute_apply(truth=truth)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Dispute.objects.for_tenant(shop.tenant).count() == 1
    assert LedgerTransaction.objects.unscoped().filter(
        key=f"chargeback:payment:{payment.pk}").count() == 1
    assert Dispute.objects.for_tenant(shop.tenant).get().frozen_cents == 3000
    assert ledger_verify() == []
