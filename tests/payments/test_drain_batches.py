"""Webhook events applied in batches, and a drain that lingers while events keep coming.

Batches: one claim for several events, each still applied once, with its own provider re-read
(the sandbox counts the GETs); concurrent claims never hand one event to two workers.
Lingering: an event stored while the drain watches is queued by that drain's next poll, with
no new drain published. Real Redis, PostgreSQL and Mercado Pago sandbox; the drain's pause
between polls is the injection point (no sleeping in the test).
"""

from __future__ import annotations

import threading

import pytest
from celery.signals import before_task_publish
from django.db import close_old_connections, connection

from payments import services, tasks
from payments.ingest import DRAIN_KEY
from payments.models import WebhookEvent
from tests.payments.conftest import as_payable
from tests.payments.test_drain import drain_flag

pytestmark = pytest.mark.filterwarnings("ignore:notification_url is deprecated")


@pytest.fixture
def published():
    seen: list[tuple[str, tuple]] = []

    def record(sender=None, body=None, **_):
        seen.append((sender, tuple(body[0])))

    before_task_publish.connect(record, weak=False)
    yield seen
    before_task_publish.disconnect(record)


def _approved_events(shop, mp, n: int) -> tuple[list, list[int]]:
    payments, ids = [], []
    for i in range(n):
        payment = services.payment_create(payable=as_payable(shop.tenant, 1000 + i),
                                          method="pix")
        mp.approve(payment.provider_payment_id)
        payments.append(payment)
        ids.append(WebhookEvent.objects.create(
            provider="mercadopago", event_id=f"batch-{payment.pk}", topic="payment",
            action="payment.updated", data_id=payment.provider_payment_id).pk)
    return payments, ids


@pytest.mark.django_db
def test_a_batch_is_claimed_once_and_each_event_applied_once(shop, mp, outcomes):
    payments, ids = _approved_events(shop, mp, 3)
    assert tasks.apply_webhook_events(ids) == {"approved": 3}
    assert set(WebhookEvent.objects.filter(pk__in=ids).values_list("state", flat=True)) == {
        "processed"}
    assert [outcomes.outcomes(p) for p in payments] == [["approved"]] * 3
    assert tasks.apply_webhook_events(ids) == {}  # processed: nothing to claim again
    assert tasks.apply_webhook_event(ids[0]) == "not claimed"


@pytest.mark.django_db(transaction=True)
def test_concurrent_batch_claims_never_share_an_event(shop, mp):
    _payments, ids = _approved_events(shop, mp, 12)
    barrier, claimed = threading.Barrier(4), []

    def claim() -> None:
        try:
            barrier.wait(10)
            claimed.append([e.pk for e in tasks.claim_many(ids)])
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    close_old_connections()
    flat = [pk for batch in claimed for pk in batch]
    assert len(claimed) == 4 and sorted(flat) == sorted(ids)  # each once, none lost


@pytest.mark.django_db
def test_the_drain_fans_out_in_batches_and_picks_up_events_stored_while_it_lingers(
        shop, mp, settings, published, monkeypatch):
    settings.PAYMENTS_DRAIN_LINGER_MS, settings.PAYMENTS_DRAIN_TRUST_MS = 50, 100
    _payments, ids = _approved_events(shop, mp, tasks.APPLY_BATCH + 2)
    late: list[int] = []
    polls: list[int] = []

    def pause(_seconds: float) -> None:  # between polls: a notification arrives once
        polls.append(1)
        if not late:
            late.extend(_approved_events(shop, mp, 1)[1])

    monkeypatch.setattr(tasks, "_pause", pause)
    drain_flag().set(DRAIN_KEY, 1, ex=30)
    assert tasks.drain_webhook_events() == len(ids) + 1
    batches = [args[0] for name, args in published if name == tasks.apply_webhook_events.name]
    assert batches == [ids[:tasks.APPLY_BATCH], ids[tasks.APPLY_BATCH:], late]
    drains = [args for name, args in published if name == tasks.drain_webhook_events.name]
    assert len(drains) == 1  # only the last pass after the delete; no new drain for `late`
    assert polls and drain_flag().get(DRAIN_KEY) is None  # it stopped once nothing came
