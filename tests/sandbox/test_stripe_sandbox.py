"""The Stripe sandbox: its objects have the shape of Stripe's published fixtures, its
webhooks are signed like Stripe's (several v1 while a secret rolls) and retried, its hosted
Checkout page takes the payment, and its API answers errors in Stripe's shape."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path

import requests
import stripe

from sandbox.mercadopago.testing import WebhookReceiver
from sandbox.stripe.testing import StripeSandbox

KEY = "sk_test_sandbox"


def official_fixtures() -> dict:
    """Stripe's fixtures3.json as published (../shared/specs in this checkout's parents)."""
    if os.environ.get("STRIPE_FIXTURES"):
        path = Path(os.environ["STRIPE_FIXTURES"])
    else:
        path = next(parent / "shared" / "specs" / "stripe-fixtures3.json"
                    for parent in Path(__file__).resolve().parents
                    if (parent / "shared" / "specs" / "stripe-fixtures3.json").exists())
    return json.loads(path.read_text())["resources"]


def _client(sandbox: StripeSandbox) -> stripe.StripeClient:
    return stripe.StripeClient(KEY, base_addresses={"api": sandbox.url})


def _session(client: stripe.StripeClient, *, currency: str = "usd", amount: int = 1250,
             key: str | None = None):
    return client.v1.checkout.sessions.create(params={
        "mode": "payment", "success_url": "http://shop.test/ok?s={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://shop.test/back", "client_reference_id": "42",
        "metadata": {"payment_id": "42"},
        "line_items": [{"quantity": 1, "price_data": {
            "currency": currency, "unit_amount": amount, "product_data": {"name": "Key"}}}],
    }, options={"idempotency_key": key} if key else None)


def _same_shape(ours: dict, theirs: dict, path: str = "") -> list[str]:
    """Keys Stripe's fixture has that ours lacks, and values of another JSON type."""
    problems = []
    for key, expected in theirs.items():
        if key not in ours:
            problems.append(f"{path}{key} missing")
            continue
        value = ours[key]
        if expected is None or value is None:
            continue
        if isinstance(expected, bool) or isinstance(value, bool):
            same = isinstance(expected, bool) and isinstance(value, bool)
        elif isinstance(expected, (int, float)):
            same = isinstance(value, (int, float))
        else:
            same = type(value) is type(expected)
        if not same and not (isinstance(expected, dict) and isinstance(value, str)):
            # an expandable field is an id string unless expanded
            problems.append(f"{path}{key}: {type(value).__name__} != "
                            f"{type(expected).__name__}")
        elif isinstance(expected, dict) and isinstance(value, dict) and expected \
                and key != "metadata":
            problems += _same_shape(value, expected, f"{path}{key}.")
    return problems


def test_objects_follow_stripes_published_fixtures():
    fixtures = official_fixtures()
    with WebhookReceiver() as hooks, StripeSandbox(webhook_url=hooks.url,
                                                   secrets=["whsec_a"]) as sandbox:
        client = _client(sandbox)
        session = _session(client)
        sandbox.pay(session.id)
        refund = client.v1.refunds.create(params={"payment_intent": session.payment_intent,
                                                  "amount": 250})

        def raw(path: str) -> dict:  # the wire JSON, not the SDK's conversions
            return requests.get(f"{sandbox.url}/v1/{path}", timeout=5,
                                headers={"Authorization": f"Bearer {KEY}"}).json()

        ours = {
            "checkout.session": raw(f"checkout/sessions/{session.id}"),
            "payment_intent": raw(f"payment_intents/{session.payment_intent}"),
            "refund": raw(f"refunds/{refund.id}"),
            "event": sandbox.events()[-1],
        }
        ours["charge"] = raw(f"charges/{ours['payment_intent']['latest_charge']}")
        opened = sandbox.open_dispute(session.payment_intent)
        ours["dispute"] = raw(f"disputes/{opened['id']}")
    for resource, obj in ours.items():
        fixture = fixtures[resource]
        assert obj["object"] == fixture["object"]
        # event.data.object is whatever the event is about, not the fixture's plan
        skip = {"data"} if resource == "event" else set()
        problems = _same_shape({k: v for k, v in obj.items() if k not in skip},
                               {k: v for k, v in fixture.items() if k not in skip})
        assert problems == [], (resource, problems)
    # Fields the fixture leaves null carry no type there; the ones we read are Stripe's
    # integers (minor units) and lower-case ISO currency strings.
    session = ours["checkout.session"]
    for key in ("amount_total", "amount_subtotal", "expires_at", "created"):
        assert type(session[key]) is int, key
    assert session["currency"] == "usd" and isinstance(session["client_reference_id"], str)
    assert ours["checkout.session"]["payment_status"] == "paid"
    assert ours["payment_intent"]["status"] == "succeeded"
    assert ours["charge"]["amount_refunded"] == 250


def test_webhooks_are_signed_with_every_endpoint_secret_and_retried():
    with WebhookReceiver(responses=[500, 500]) as hooks, \
            StripeSandbox(webhook_url=hooks.url, secrets=["whsec_old", "whsec_new"]) as sandbox:
        session = _session(_client(sandbox))
        sandbox.pay(session.id)  # charge.succeeded, payment_intent.succeeded, session.completed
        received = hooks.wait_for(5)  # two refused attempts, then each of the three events
    first = received[0]
    parts = [p.split("=", 1) for p in first.headers["stripe-signature"].split(",")]
    t = next(v for k, v in parts if k == "t")
    v1s = [v for k, v in parts if k == "v1"]
    signed = f"{t}.".encode() + first.raw
    assert v1s == [hmac.new(s, signed, hashlib.sha256).hexdigest()
                   for s in (b"whsec_old", b"whsec_new")]
    ids = [r.body["id"] for r in received]
    assert len(set(ids)) == 3  # the two refused attempts were retried, same event, same body
    for event_id in {i for i in ids if ids.count(i) > 1}:
        assert len({r.raw for r in received if r.body["id"] == event_id}) == 1
    assert {r.body["type"] for r in received} == {
        "charge.succeeded", "payment_intent.succeeded", "checkout.session.completed"}
    event = stripe.Webhook.construct_event(received[-1].raw,
                                           received[-1].headers["stripe-signature"],
                                           "whsec_new")
    assert event.id == received[-1].body["id"]


def test_hosted_checkout_page_pays_and_returns_to_the_shop():
    with StripeSandbox() as sandbox:
        session = _session(_client(sandbox), currency="eur", amount=990)
        page = requests.get(session.url, timeout=5)
        assert page.status_code == 200 and "9.90 EUR" in page.text and ">Pay</button>" in page.text
        done = requests.post(session.url, data={"outcome": "pay"}, allow_redirects=False,
                             timeout=5)
        assert done.status_code == 303
        assert done.headers["Location"] == f"http://shop.test/ok?s={session.id}"
        again = _client(sandbox).v1.checkout.sessions.retrieve(session.id)
        assert (again.status, again.payment_status) == ("complete", "paid")
        assert "disabled" in requests.get(session.url, timeout=5).text


def test_idempotency_keys_replay_and_refuse_other_parameters():
    with StripeSandbox() as sandbox:
        client = _client(sandbox)
        first = _session(client, key="same")
        assert _session(client, key="same").id == first.id
        try:
            _session(client, key="same", amount=999)
        except stripe.IdempotencyError as exc:
            assert exc.http_status == 400
        else:
            raise AssertionError("another request under the same key was accepted")


def test_errors_come_in_stripes_shape():
    with StripeSandbox() as sandbox:
        bad_key = requests.get(f"{sandbox.url}/v1/checkout/sessions/cs_x", timeout=5)
        assert bad_key.status_code == 401 and bad_key.json()["error"]["type"]
        headers = {"Authorization": f"Bearer {KEY}"}
        missing = requests.get(f"{sandbox.url}/v1/checkout/sessions/cs_x", headers=headers,
                               timeout=5)
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "resource_missing"
        for body in ("mode=payment", "mode=subscription",
                     "mode=payment&line_items[0][price_data][currency]=xyz"
                     "&line_items[0][price_data][unit_amount]=5",
                     "mode=payment&line_items[0][price_data][currency]=usd"
                     "&line_items[0][price_data][unit_amount]=abc"):
            response = requests.post(f"{sandbox.url}/v1/checkout/sessions", data=body,
                                     headers={**headers, "Content-Type":
                                              "application/x-www-form-urlencoded"}, timeout=5)
            assert response.status_code == 400, body
            assert response.json()["error"]["type"] == "invalid_request_error"
        assert sandbox.call(lambda: len(sandbox.emulator.sessions)) == 0


def test_sessions_expire_on_the_sandbox_clock():
    with StripeSandbox() as sandbox:
        client = _client(sandbox)
        session = _session(client)
        sandbox.advance_clock(24 * 3600 + 1)
        expired = client.v1.checkout.sessions.retrieve(session.id)
        assert expired.status == "expired"
        intent = client.v1.payment_intents.retrieve(session.payment_intent)
        assert intent.status == "canceled"
        assert [e["type"] for e in sandbox.events()][-1] == "checkout.session.expired"
