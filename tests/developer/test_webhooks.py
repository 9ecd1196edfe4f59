"""Outgoing webhooks: a paid order reaches the shop's endpoint signed as the docs say (the
check below is written from developer/signing.py's docstring alone), retried with backoff up to
24 hours, logged, re-sent, rotated secrets sign twice, private targets refused (SSRF)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.utils import timezone

from developer import webhooks
from developer.models import WebhookDelivery
from payments import services as payments
from sales import services
from tests.sales import factories as f
from tests.sales.factories import mp  # noqa: F401

pytestmark = pytest.mark.django_db


class Receiver(BaseHTTPRequestHandler):
    answers: list[int] = []
    got: list[tuple[dict, bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.got.append(({k: v for k, v in self.headers.items()}, body))
        self.send_response(self.answers.pop(0) if self.answers else 200)
        self.send_header("Location", "http://127.0.0.1:1/elsewhere")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.answers, Receiver.got = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks"
    server.shutdown()
    server.server_close()


def verify(header: str, body: bytes, secret: str, now: float, tolerance: int = 300) -> bool:
    """A receiver's check, as the docs describe it (no Vitrine code)."""
    items = [part.split("=", 1) for part in header.split(",")]
    timestamp = int(next(v for k, v in items if k == "t"))
    if abs(now - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body,
                        hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, v) for k, v in items if k == "v1")


def _paid_order(shop, mp):  # noqa: F811
    variant = f.variant(f.product(shop.tenant), price_cents=1990, keys=2)
    buyer = f.customer(shop.tenant)
    services.cart_add(customer=buyer, variant_id=variant.pk)
    payment = services.checkout(customer=buyer).payment
    mp.approve(payment.provider_payment_id)
    payments.payment_sync(provider_payment_id=payment.provider_payment_id)
    return payment


def _sweep() -> None:
    for tenant_id, pk in webhooks.deliveries_claim_due():
        webhooks.delivery_send(tenant_id=tenant_id, delivery_id=pk, claimed=True)


def test_paid_order_is_delivered_signed(shop, mp, receiver):  # noqa: F811
    _endpoint, secret = webhooks.endpoint_create(tenant=shop.tenant, actor=shop.owner,
                                                url=receiver, events=["order.paid"])
    payment = _paid_order(shop, mp)
    [delivery] = WebhookDelivery.objects.for_tenant(shop.tenant)
    assert delivery.event == "order.paid"
    _sweep()
    [(headers, body)] = Receiver.got
    assert verify(headers["Vitrine-Signature"], body, secret, time.time())
    assert not verify(headers["Vitrine-Signature"], body, "whsec_wrong", time.time())
    assert not verify(headers["Vitrine-Signature"], body + b" ", secret, time.time())
    event = json.loads(body)
    assert event["type"] == "order.paid" and event["id"] == headers["Vitrine-Delivery"]
    assert event["data"]["total_cents"] == payment.amount_cents
    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_status, delivery.attempts) == ("done", 200, 1)


def test_failures_are_retried_with_backoff_for_24_hours_then_given_up(shop, mp, receiver):  # noqa: F811
    webhooks.endpoint_create(tenant=shop.tenant, actor=shop.owner, url=receiver,
                             events=["order.paid"])
    Receiver.answers = [500] * 20
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _paid_order(shop, mp)
        _sweep()
        delivery = WebhookDelivery.objects.for_tenant(shop.tenant).get()
        waits = []
        while delivery.state == "pending":
            waits.append(round((delivery.next_attempt_at - timezone.now()).total_seconds()))
            clock.shift(timedelta(seconds=waits[-1]))
            _sweep()
            delivery.refresh_from_db()
    assert waits == list(webhooks.BACKOFF)
    assert sum(waits) <= 24 * 3600 + 600
    assert delivery.state == "failed" and delivery.last_status == 500
    assert len(Receiver.got) == len(webhooks.BACKOFF) + 1


def test_redirects_are_not_followed_and_resend_uses_the_same_event_id(shop, mp, receiver):  # noqa: F811
    webhooks.endpoint_create(tenant=shop.tenant, actor=shop.owner, url=receiver,
                             events=["order.paid"])
    Receiver.answers = [302]
    _paid_order(shop, mp)
    _sweep()
    delivery = WebhookDelivery.objects.for_tenant(shop.tenant).get()
    assert delivery.last_status == 302 and len(Receiver.got) == 1  # not followed
    webhooks.delivery_resend(delivery=delivery, actor=shop.owner)
    _sweep()
    delivery.refresh_from_db()
    assert delivery.state == "done" and len(Receiver.got) == 2
    assert Receiver.got[0][0]["Vitrine-Delivery"] == Receiver.got[1][0]["Vitrine-Delivery"]


def test_rotation_signs_with_both_secrets_for_a_day(shop, mp, receiver):  # noqa: F811
    endpoint, old = webhooks.endpoint_create(tenant=shop.tenant, actor=shop.owner, url=receiver,
                                             events=["order.paid"])
    new = webhooks.endpoint_rotate(endpoint=endpoint, actor=shop.owner)
    _paid_order(shop, mp)
    _sweep()
    [(headers, body)] = Receiver.got
    assert verify(headers["Vitrine-Signature"], body, old, time.time())
    assert verify(headers["Vitrine-Signature"], body, new, time.time())
    assert headers["Vitrine-Signature"].count("v1=") == 2


def test_private_target_is_refused_unsent(shop, mp, receiver, settings):  # noqa: F811
    settings.EGRESS_ALLOW_PRIVATE = False
    webhooks.endpoint_create(tenant=shop.tenant, actor=shop.owner, url=receiver,
                             events=["order.paid"])
    _paid_order(shop, mp)
    _sweep()
    delivery = WebhookDelivery.objects.for_tenant(shop.tenant).get()
    assert delivery.state == "failed" and delivery.last_error.startswith("refused")
    assert Receiver.got == []


def test_only_subscribed_events_and_only_this_shops_endpoints(shop, other_shop, mp,  # noqa: F811
                                                              receiver):
    webhooks.endpoint_create(tenant=shop.tenant, actor=shop.owner, url=receiver,
                             events=["order.refunded"])
    webhooks.endpoint_create(tenant=other_shop.tenant, actor=other_shop.owner, url=receiver,
                             events=["order.paid"])
    _paid_order(shop, mp)
    assert not WebhookDelivery.objects.unscoped().exists()
