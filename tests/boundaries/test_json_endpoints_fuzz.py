"""Hypothesis against the JSON endpoints' bodies: the Mercado Pago webhook (correctly signed,
and not), the runtime heartbeat, and raw bodies on every Bot API write (schemathesis sends only
well-formed JSON; these send deep nesting, bad UTF-8, NUL, NaN and plain garbage).

Properties: no 5xx; a refusal changes no row, except the webhook's own audit of a refusal.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.models import AuditEvent
from config.boundaries import json_loads
from payments import webhooks
from tests.boundaries.conftest import PROFILE, World, check_boundary
from tests.boundaries.strategies import JSON, NASTY, RAW_BODIES

SECRET = "boundaries-webhook-secret"
WEBHOOK = "/webhooks/mercadopago"
HEARTBEAT = "/api/runtime/v1/heartbeat"
DATA_IDS = st.one_of(st.sampled_from(["123", "abc-DEF", "", "1\x00", "9" * 80, "ß" * 10]),
                     st.text(max_size=24))
BODIES = st.one_of(
    RAW_BODIES,
    JSON.map(lambda value: json.dumps(value).encode()),
    st.fixed_dictionaries({"id": JSON, "type": st.sampled_from(["payment", "x", ""]) | NASTY,
                           "action": JSON, "data": st.fixed_dictionaries({"id": JSON})})
    .map(lambda value: json.dumps(value, ensure_ascii=False).encode()),
)


@pytest.fixture
def webhook_secret(settings) -> None:
    settings.MERCADOPAGO_WEBHOOK_SECRET = SECRET
    settings.MERCADOPAGO_WEBHOOK_TOLERANCE_SECONDS = 300


def _only_the_refusal_audited(before_count: int):
    def allowed(diff: dict) -> bool:
        new = AuditEvent.objects.order_by("-pk")[: max(0, AuditEvent.objects.count()
                                                          - before_count)]
        return set(diff) == {"audit_auditevent"} and all(
            event.action == "webhook.rejected" for event in new)

    return allowed


@settings(PROFILE)
@given(body=BODIES, data_id=DATA_IDS, topic=st.sampled_from(["payment", "merchant_order", ""]),
       request_id=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126),
                          max_size=40))
def test_signed_webhook(world: World, webhook_secret, body, data_id, topic, request_id):
    header = webhooks.sign(secret=SECRET, data_id=data_id, request_id=request_id,
                           ts=int(time.time()))
    query = urlencode({"data.id": data_id, "type": topic})
    audits = AuditEvent.objects.count()
    check_boundary("webhook[signed]", lambda: Client().post(
        f"{WEBHOOK}?{query}", data=body, content_type="application/json",
        headers={"x-signature": header, "x-request-id": request_id}),
        allowed=_only_the_refusal_audited(audits))


@settings(PROFILE)
@given(body=BODIES, signature=st.one_of(NASTY, st.builds("ts={},v1={}".format, NASTY, NASTY)),
       query=st.dictionaries(st.sampled_from(["data.id", "type", "topic", "id"]), NASTY,
                             max_size=4),
       content_type=st.sampled_from(["application/json", "text/plain", "",
                                     "application/x-www-form-urlencoded"]))
def test_unsigned_webhook(world: World, webhook_secret, body, signature, query, content_type):
    audits = AuditEvent.objects.count()
    response = check_boundary("webhook[unsigned]", lambda: Client().generic(
        "POST", f"{WEBHOOK}?{urlencode(query)}", data=body, content_type=content_type,
        headers={"x-signature": signature}), allowed=_only_the_refusal_audited(audits))
    assert response.status_code in (400, 401, 404, 413, 415), response.content


@settings(PROFILE)
@given(body=st.one_of(
    RAW_BODIES,
    st.fixed_dictionaries({}, optional={"latency_ms": JSON | st.sampled_from(
        [0, 41, 2**31, 2**63, -1, 1.5, True, "12"]), "version": JSON | NASTY})
    .map(lambda value: json.dumps(value).encode())),
    token=st.sampled_from(["own", "other", "garbage", "nul"]))
def test_heartbeat(world: World, body, token):
    raw = {"own": world.token, "other": world.other_token, "garbage": "vtr_x_y",
           "nul": world.token[:8] + "\x00" + world.token[8:]}[token]
    response = check_boundary("heartbeat", lambda: Client().post(
        HEARTBEAT, data=body, content_type="application/json",
        headers={"authorization": f"Bearer {raw}"}))
    if response.status_code == 400:
        assert "detail" in response.json()  # the endpoint's own error shape


BOT_WRITES = [("post", "customers/"), ("post", "customers/111/cart/items/"),
              ("put", "customers/111/cart/coupon/"), ("post", "customers/111/checkout/"),
              ("put", "customers/111/thread/"), ("post", "members/joined/"),
              ("post", "link/"), ("post", "heartbeat/"), ("post", "orders/{order}/refund/"),
              ("post", "orders/{order}/deliver/"), ("post", "orders/{order}/resend/"),
              ("put", "products/{product}/posts/"), ("put", "customers/111/cart/items/{variant}/"),
              ("post", "customers/111/membership/"), ("post", "customers/111/membership/switch/"),
              ("post", "customers/111/membership/cancel/"),
              ("post", "customers/111/membership/pay/"), ("post", "customers/111/kofi-link/")]


@settings(PROFILE)
@given(body=RAW_BODIES, route=st.sampled_from(BOT_WRITES))
def test_bot_api_raw_bodies(world: World, body, route):
    method, path = route
    path = path.format(order=world.paid_order.code, product=world.product.pk,
                       variant=world.variant.pk)
    client = Client(headers={"authorization": f"Bearer {world.token}"})
    response = check_boundary("bot_api[raw bodies]", lambda: getattr(client, method)(
        f"/api/bot/v1/{path}", data=body, content_type="application/json"))
    if response.status_code >= 400:
        assert set(response.json()) == {"error"}  # the Bot API's own error shape
    if not body:
        return  # no body is no fields (DRF never calls the parser), like {}
    try:
        json_loads(body)
    except ValueError:
        assert response.status_code == 400, (path, response.content)


def test_routes_exist(world: World):
    assert reverse("runtime:heartbeat") == HEARTBEAT
    assert reverse("payments:webhook_mercadopago") == WEBHOOK
