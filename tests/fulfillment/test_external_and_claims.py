"""External fulfillment against a local HTTP server, and claims under real concurrency."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection

from sales import tasks
from sales.external import verify
from sales.fulfillment import services as fulfillment
from sales.models import Delivery
from tests.fulfillment.conftest import buy
from tests.sales import factories as f

SECRET = "segredo-da-loja"


class ShopEndpoint(BaseHTTPRequestHandler):
    answers: list[int] = []
    received: list[tuple[bool, bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        headers = {k: v for k, v in self.headers.items()}
        self.received.append((verify(secret=SECRET, body=body, headers=headers), body))
        self.send_response(self.answers.pop(0) if self.answers else 200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[str]:
    ShopEndpoint.answers, ShopEndpoint.received = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), ShopEndpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def _external(world, url: str):
    return f.variant(f.product(world.tenant, "Licença"), "Anual", fulfillment="external",
                     external_url=url, external_secret=SECRET)


def test_external_post_is_signed_and_retried_after_a_500(world, endpoint):
    ShopEndpoint.answers = [500]
    order = buy(world, _external(world, endpoint))
    tasks.deliver_order(world.tenant.pk, order.pk)  # 500, then the retry (eager) gets 200
    assert [ok for ok, _body in ShopEndpoint.received] == [True, True]
    assert f'"order":"{order.code}"'.encode() in ShopEndpoint.received[0][1]
    delivery = Delivery.objects.for_tenant(world.tenant).get(order=order)
    assert (delivery.state, delivery.attempts) == ("done", 2)
    order.refresh_from_db()
    assert order.status == "delivered"


def test_external_4xx_is_permanent(world, endpoint, settings):
    settings.LANGUAGE_CODE = "en"
    ShopEndpoint.answers = [404]
    order = buy(world, _external(world, endpoint))
    tasks.deliver_order(world.tenant.pk, order.pk)
    delivery = Delivery.objects.for_tenant(world.tenant).get(order=order)
    assert (delivery.state, delivery.attempts) == ("failed", 1)
    assert delivery.last_error == "The fulfillment URL answered HTTP 404."
    assert len(ShopEndpoint.received) == 1


def test_left_behind_deliveries_are_swept(world):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    order = buy(world, f.variant(f.product(world.tenant), keys=1))  # no after-commit enqueue
    assert tasks.deliver_sweep() == 0  # too young: its enqueue may still be on its way
    with time_machine.travel(timezone.now() + timedelta(minutes=3), tick=False):
        assert tasks.deliver_sweep() == 1
    order.refresh_from_db()
    assert order.status == "delivered" and len(world.sb.dms(world.buyer_id)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_one_delivery_deliver_once(world):
    # Committed for real here, so the after-commit task already delivered once (eagerly);
    # a duplicated task message then reaches two workers at the same moment.
    order = buy(world, f.variant(f.product(world.tenant), keys=1))
    assert len(world.sb.dms(world.buyer_id)) == 1
    delivery = Delivery.objects.for_tenant(world.tenant).get(order=order)
    Delivery.objects.for_tenant(world.tenant).filter(pk=delivery.pk).update(state="pending",
                                                                           attempts=0)
    start = threading.Barrier(2)
    results: list[str] = []

    def worker() -> None:
        try:
            start.wait(timeout=10)
            results.append(fulfillment.delivery_run(tenant_id=world.tenant.pk,
                                                     delivery_id=delivery.pk).result)
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == ["done", "skipped"]
    # One worker won the claim; the other skipped. The winner found the key already in the
    # buyer's DM channel (the row was reset as if its record had been lost) and sent nothing.
    assert len(world.sb.dms(world.buyer_id)) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("done", 1)


def test_a_claim_whose_worker_died_is_taken_back_and_delivered(world):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    order = buy(world, f.variant(f.product(world.tenant), keys=1))  # no after-commit enqueue
    delivery = Delivery.objects.for_tenant(world.tenant).get(order=order)
    # A worker claims it, then dies before finishing: the row stays "running".
    assert fulfillment.delivery_claim(tenant_id=world.tenant.pk, delivery_id=delivery.pk)
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        assert fulfillment.deliveries_stale() == []  # a live worker keeps its claim
    with time_machine.travel(timezone.now() + timedelta(minutes=20), tick=False):
        assert tasks.deliver_sweep() == 1
    order.refresh_from_db()
    assert order.status == "delivered" and len(world.sb.dms(world.buyer_id)) == 1


def test_external_post_to_a_private_address_is_refused_unsent(world, endpoint, settings):
    settings.EGRESS_ALLOW_PRIVATE = False  # SSRF: the shop's URL is 127.0.0.1
    order = buy(world, _external(world, endpoint))
    tasks.deliver_order(world.tenant.pk, order.pk)
    assert ShopEndpoint.received == []
    delivery = Delivery.objects.for_tenant(world.tenant).get(order=order)
    assert (delivery.state, delivery.failure_code) == ("failed", "external_refused")


def test_external_redirect_is_not_followed(world, endpoint):
    ShopEndpoint.answers = [302]
    order = buy(world, _external(world, endpoint))
    tasks.deliver_order(world.tenant.pk, order.pk)
    assert len(ShopEndpoint.received) == 1  # the 302 is an answer, never a new target
    delivery = Delivery.objects.for_tenant(world.tenant).get(order=order)
    assert delivery.state == "failed"


def test_external_post_carries_the_buyers_answers(world, endpoint):
    import json

    from django.db import transaction

    from catalog.models import ProductField
    from payments.registry import Outcome, dispatch
    from sales import services

    variant = _external(world, endpoint)
    for key, kind, private in (("perfil", "handle", False), ("email", "email", True)):
        ProductField.objects.create(tenant=world.tenant, product=variant.product, key=key,
                                    label=key.title(), kind=kind, required=True,
                                    private=private)
    services.cart_add(customer=world.customer, variant_id=variant.pk,
                      answers={"perfil": "@alice", "email": "alice@example.com"})
    result = services.checkout(customer=world.customer)
    with transaction.atomic():
        dispatch(result.payment, Outcome.APPROVED)
    tasks.deliver_order(world.tenant.pk, result.order.pk)
    [(signed, body)] = ShopEndpoint.received
    # The shop's own fulfillment gets every answer, private ones too (they are for it).
    assert signed and json.loads(body)["item"]["answers"] == {"perfil": "@alice",
                                                             "email": "alice@example.com"}


def _killed_before_settling(world):
    """A paid order whose delivery finished (the key is in the DM) but whose worker was
    SIGKILLed before it settled the order: the order stays "delivering"."""
    order = buy(world, f.variant(f.product(world.tenant), keys=1))  # no after-commit enqueue
    delivery = Delivery.objects.for_tenant(world.tenant).get(order=order)
    claimed = fulfillment.delivery_claim(tenant_id=world.tenant.pk, delivery_id=delivery.pk)
    assert fulfillment._perform(claimed) is None  # the DM is sent
    fulfillment._finish(claimed, Delivery.State.DONE)
    order.refresh_from_db()
    assert order.status == "delivering"
    return order, delivery


def test_a_redelivered_task_settles_the_order_its_killed_worker_left_delivering(world):
    order, _delivery = _killed_before_settling(world)
    # acks_late: the killed worker's message comes back; nothing is left to perform.
    assert tasks.deliver_order(world.tenant.pk, order.pk) == []
    order.refresh_from_db()
    assert order.status == "delivered"
    assert len(world.sb.dms(world.buyer_id)) == 1  # settled, not sent again


def test_a_redelivered_retry_task_settles_the_order_too(world):
    order, delivery = _killed_before_settling(world)
    assert fulfillment.delivery_run(tenant_id=world.tenant.pk,
                                    delivery_id=delivery.pk).result == "skipped"
    order.refresh_from_db()
    assert order.status == "delivered" and len(world.sb.dms(world.buyer_id)) == 1


def test_the_sweep_settles_an_order_whose_task_was_lost_too(world):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    order, _delivery = _killed_before_settling(world)
    assert fulfillment.orders_unsettled() == []  # too young: its worker may be settling it
    with time_machine.travel(timezone.now() + timedelta(minutes=3), tick=False):
        assert fulfillment.orders_unsettled() == [(world.tenant.pk, order.pk)]
        assert tasks.deliver_sweep() == 1
        assert fulfillment.orders_unsettled() == []
    order.refresh_from_db()
    assert order.status == "delivered" and len(world.sb.dms(world.buyer_id)) == 1
