"""PIX MED returns: a claim on the PIX payment (Mercado Pago's claims topic), re-read from
GET /post-purchase/v1/claims/{id}. Lost: the money goes back to the payer, once."""

from __future__ import annotations

import pytest

from disputes.models import Dispute
from payments.models import Refund
from tests.disputes.conftest import assert_ledger_clean, buy, deliver, roles
from wallet.selectors import balances

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:notification_url")]


def test_med_freezes_then_lost_refund_reverses_nothing_twice(
        world, mp, client, django_capture_on_commit_callbacks):
    _order, payment, role = buy(world, mp, django_capture_on_commit_callbacks, method="pix")
    assert role["id"] in roles(world)
    claim = mp.open_med(payment.provider_payment_id)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, mp)
    dispute = Dispute.objects.for_tenant(world.tenant).get()
    assert dispute.kind == "med" and dispute.external_id == f"claim-{claim['id']}"
    assert dispute.frozen_cents == 6000 and role["id"] not in roles(world)
    assert dispute.deadline_at is not None
    mp.resolve_med(claim["id"], won=False)
    deliver(client, mp)
    dispute.refresh_from_db()
    assert dispute.state == "lost"
    assert Refund.objects.for_tenant(world.tenant).filter(payment=payment).count() == 1
    assert balances(tenant=world.tenant).total == 5700 - 6000  # taken once, not twice
    assert_ledger_clean()


def test_med_won_gives_the_money_back(world, mp, client, django_capture_on_commit_callbacks):
    _order, payment, _role = buy(world, mp, django_capture_on_commit_callbacks, method="pix")
    claim = mp.open_med(payment.provider_payment_id)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, mp)
    mp.resolve_med(claim["id"], won=True)
    deliver(client, mp)
    assert Dispute.objects.for_tenant(world.tenant).get().state == "won"
    assert balances(tenant=world.tenant).total == 5700
    assert_ledger_clean()
