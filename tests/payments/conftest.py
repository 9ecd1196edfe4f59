"""Payments fixtures: the Mercado Pago sandbox, and a payable that exists today.

sales.Order is being built in parallel, so these tests pay for the shop's `Tenant` itself: the
payment's generic foreign key points at a real model row ("tenants.tenant"), the Payable methods
are given to that instance here, and a recording handler is registered for that label. The
payments code sees exactly what it will see with an Order.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import pytest

from payments import registry, webhooks
from sandbox.mercadopago.testing import MercadoPagoSandbox

TOKEN = "TEST-vitrine-payments"
SECRET = "sandbox-webhook-secret"
# Nothing listens on the discard port: sandbox deliveries fail fast, tests replay them.
UNREACHABLE = "http://127.0.0.1:9"


@dataclass
class Recorder:
    calls: list[tuple[int, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def __call__(self, payment, outcome) -> None:
        with self.lock:
            self.calls.append((payment.pk, str(outcome)))
        with self.changed:
            self.changed.notify_all()

    def outcomes(self, payment) -> list[str]:
        """Status outcomes; `refund` notices (one per new Refund row) are in `refunds()`."""
        return [outcome for pk, outcome in self.calls if pk == payment.pk and outcome != "refund"]

    def refunds(self, payment) -> int:
        return sum(1 for pk, outcome in self.calls if pk == payment.pk and outcome == "refund")

    def wait_for(self, predicate, timeout: float = 10.0) -> bool:
        with self.changed:
            return self.changed.wait_for(predicate, timeout)


@pytest.fixture
def outcomes() -> Iterator[Recorder]:
    recorder = Recorder()
    registry.register("tenants.tenant", recorder)
    yield recorder
    registry._handlers.pop("tenants.tenant", None)


def as_payable(tenant, amount_cents: int = 1990):
    tenant.tenant = tenant
    tenant.payment_amount_cents = lambda: amount_cents
    tenant.payment_description = lambda: f"{tenant.name} pedido de teste"
    tenant.payment_payer_email = lambda: "buyer-1@buyers.vitrine.test"
    return tenant


@pytest.fixture
def mp(settings) -> Iterator[MercadoPagoSandbox]:
    with MercadoPagoSandbox() as sandbox:
        settings.MERCADOPAGO_API_BASE_URL = sandbox.url
        settings.MERCADOPAGO_ACCESS_TOKEN = TOKEN
        settings.MERCADOPAGO_WEBHOOK_SECRET = SECRET
        settings.PUBLIC_URL = UNREACHABLE
        yield sandbox


@pytest.fixture
def signed(settings):
    """signed(client, data_id, body=..., query=...) posts a correctly signed notification."""
    settings.MERCADOPAGO_WEBHOOK_SECRET = settings.MERCADOPAGO_WEBHOOK_SECRET or SECRET

    def post(client, data_id: str, *, body: dict | None = None, query: str | None = None,
             ts: int | None = None, secret: str | None = None, request_id: str | None = None,
             raw: bytes | None = None, sign_id: str | None = None):
        request_id = request_id or str(uuid.uuid4())
        body = body if body is not None else {
            "id": int(time.time() * 1000) % 10**12 + hash(request_id) % 10**6,
            "type": "payment", "action": "payment.updated", "data": {"id": str(data_id)}}
        query = query if query is not None else f"data.id={data_id}&type=payment"
        header = webhooks.sign(secret=secret or settings.MERCADOPAGO_WEBHOOK_SECRET,
                               data_id=str(sign_id if sign_id is not None else data_id),
                               request_id=request_id, ts=ts or int(time.time()))
        return client.post(f"/webhooks/mercadopago?{query}",
                           data=raw if raw is not None else json.dumps(body),
                           content_type="application/json",
                           headers={"x-signature": header, "x-request-id": request_id})

    return post


def replay(client, record: dict):
    """Post one sandbox notification record to our webhook, signed as the sandbox signs."""
    parts = urlsplit(record["url"])
    query = dict(parse_qsl(parts.query))
    request_id = str(uuid.uuid4())
    header = webhooks.sign(secret=SECRET, data_id=query["data.id"],
                           request_id=request_id, ts=int(time.time()))
    return client.post(f"/webhooks/mercadopago?{parts.query}", data=json.dumps(record["body"]),
                       content_type="application/json",
                       headers={"x-signature": header, "x-request-id": request_id})


@pytest.fixture
def eager_celery():
    """Tasks run inline, in the test's transaction."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False
