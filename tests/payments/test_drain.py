"""The drain flag's trust window: fewer Redis round trips, no event left behind.

A web process that saw the "drain pending" flag trusts it for PAYMENTS_DRAIN_TRUST_MS; a drain
that clears the flag publishes one last pass twice that long later. Time is an injected clock;
Redis and the Celery broker are the real ones.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from celery.signals import before_task_publish
from django.apps import apps

from payments import ingest, services
from payments.ingest import DRAIN_KEY, Ingest
from payments.models import WebhookEvent
from payments.tasks import drain_webhook_events
from tests.payments.conftest import as_payable

pytestmark = [pytest.mark.django_db,
              pytest.mark.filterwarnings("ignore:notification_url is deprecated")]
TRUST_MS = 100


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(settings, monkeypatch) -> Clock:
    settings.PAYMENTS_DRAIN_TRUST_MS = TRUST_MS
    fake = Clock()
    # A fresh process's Ingest (it has seen no flag yet) on the injected clock.
    config = apps.get_app_config("payments")
    monkeypatch.setattr(config, "ingest",
                        Ingest(publish_drain=config.ingest.publish_drain, clock=fake))
    drain_flag().delete(DRAIN_KEY)
    return fake


def drain_flag():
    return ingest.current().drain_flag()


@pytest.fixture
def published():
    """Tasks published to the real broker: (task name, kwargs, eta)."""
    seen: list[tuple[str, dict, str | None]] = []

    def record(sender=None, headers=None, body=None, **_):
        seen.append((sender, body[1], headers.get("eta")))

    before_task_publish.connect(record, weak=False)
    yield seen
    before_task_publish.disconnect(record)


def states() -> list[str]:
    return list(WebhookEvent.objects.order_by("pk").values_list("state", flat=True))


def test_an_event_stored_while_trusting_a_cleared_flag_is_drained_by_the_last_pass(
        client, signed, shop, mp, outcomes, clock, eager_celery,
        django_capture_on_commit_callbacks):
    payment = services.payment_create(payable=as_payable(shop.tenant), method="pix")
    mp.approve(payment.provider_payment_id)
    drain_flag().set(DRAIN_KEY, 1, ex=30)  # a drain is queued or running
    with django_capture_on_commit_callbacks(execute=True):
        assert signed(client, payment.provider_payment_id).status_code == 200
    assert states() == ["received"]  # the pending drain will take it: nothing published

    assert drain_webhook_events() == 1  # that drain: its passes, the delete, its last pass
    assert drain_flag().get(DRAIN_KEY) is None and states() == ["processed"]

    clock.now += TRUST_MS / 1000 / 2  # still trusting the flag it saw: no round trip at all
    with django_capture_on_commit_callbacks(execute=True):
        assert signed(client, payment.provider_payment_id).status_code == 200
    assert drain_flag().get(DRAIN_KEY) is None  # not set again: Redis was not asked
    assert states() == ["processed", "received"]

    # The last pass the drain published runs after twice the trust window and finds it.
    assert drain_webhook_events(final=True) == 1
    assert states() == ["processed", "processed"]
    assert drain_flag().get(DRAIN_KEY) is None  # a last pass leaves the flag alone

    clock.now += TRUST_MS / 1000  # trust over: the acknowledgement asks Redis and starts a drain
    with django_capture_on_commit_callbacks(execute=True):
        assert signed(client, payment.provider_payment_id).status_code == 200
    assert states() == ["processed", "processed", "processed"]
    assert outcomes.outcomes(payment) == ["approved"]  # three events, one transition


def test_a_drain_that_clears_the_flag_publishes_its_last_pass_after_twice_the_trust(
        clock, published):
    drain_flag().set(DRAIN_KEY, 1, ex=30)
    before = datetime.now(UTC)
    assert drain_webhook_events() == 0
    assert drain_flag().get(DRAIN_KEY) is None
    (_name, kwargs, eta), = [p for p in published if p[0] == drain_webhook_events.name]
    assert kwargs == {"final": True}
    delay = datetime.fromisoformat(eta) - before
    assert timedelta(milliseconds=2 * TRUST_MS) <= delay < timedelta(seconds=5)

    published.clear()
    assert drain_webhook_events(final=True) == 0  # a last pass publishes nothing further
    assert published == []


def test_without_trust_every_acknowledgement_asks_and_no_last_pass_is_published(
        settings, clock, published):
    settings.PAYMENTS_DRAIN_TRUST_MS = 0
    drain_flag().set(DRAIN_KEY, 1, ex=30)
    ingest.current().kick()  # sees the flag: nothing published
    drain_flag().delete(DRAIN_KEY)
    ingest.current().kick()  # same instant, but no trust: asks again, sets the flag, publishes
    assert drain_flag().get(DRAIN_KEY) is not None
    assert [p[0] for p in published] == [drain_webhook_events.name]
    published.clear()
    assert drain_webhook_events() == 0
    assert published == []  # the delete is followed by the immediate pass only
