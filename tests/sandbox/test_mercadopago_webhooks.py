"""Webhooks: shape, signature (checked with the SDK's own validator), retries, switches."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from mercadopago.webhook import (
    InvalidWebhookSignatureError,
    SignatureFailureReason,
    WebhookSignatureValidator,
)

from sandbox.mercadopago.testing import MercadoPagoSandbox, ReceivedWebhook, WebhookReceiver

pytestmark = pytest.mark.filterwarnings("ignore:notification_url is deprecated")
TOKEN = "TEST-webhook-seller"
SECRET = "s3cr3t-for-tests"


@pytest.fixture
def mp() -> Iterator[MercadoPagoSandbox]:
    with MercadoPagoSandbox() as sandbox:
        sandbox.register_account(TOKEN, webhook_secret=SECRET)
        yield sandbox


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as hooks:
        yield hooks


def create_pix(mp: MercadoPagoSandbox, url: str, reference: str = "order-1") -> int:
    body = {
        "transaction_amount": 10,
        "payment_method_id": "pix",
        "notification_url": url,
        "external_reference": reference,
        "payer": {"email": "buyer@example.com"},
    }
    result = mp.sdk(TOKEN).payment().create(body)
    assert result["status"] == 201
    return result["response"]["id"]


def verify(hook: ReceivedWebhook, secret: str = SECRET) -> None:
    WebhookSignatureValidator.validate(
        hook.headers["x-signature"],
        hook.headers["x-request-id"],
        hook.query["data.id"],
        secret,
        tolerance_seconds=300,
    )


def test_created_and_updated_webhooks_are_signed_like_mp(
    mp: MercadoPagoSandbox, receiver: WebhookReceiver
) -> None:
    payment_id = create_pix(mp, receiver.url + "?source=mp")
    mp.approve(payment_id)
    created, updated = receiver.wait_for(2)
    for hook, action in ((created, "payment.created"), (updated, "payment.updated")):
        assert hook.path == "/webhooks/mercadopago"
        assert hook.query == {"source": "mp", "data.id": str(payment_id), "type": "payment"}
        assert hook.body["action"] == action and hook.body["type"] == "payment"
        assert hook.body["data"] == {"id": str(payment_id)}
        assert isinstance(hook.body["id"], int) and hook.body["live_mode"] is False
        assert hook.body["api_version"] == "v1" and hook.body["user_id"]
        assert hook.headers["content-type"] == "application/json"
        assert hook.headers["x-signature"].startswith("ts=")
        verify(hook)
    assert created.headers["x-request-id"] != updated.headers["x-request-id"]
    records = mp.wait_for_notifications(lambda rs: all(r["state"] == "delivered" for r in rs))
    assert [r["attempts"][0]["status_code"] for r in records] == [200, 200]
    assert "secret" not in records[0]


def test_wrong_signature_switch(mp: MercadoPagoSandbox, receiver: WebhookReceiver) -> None:
    mp.set_switches(wrong_signature=True)
    create_pix(mp, receiver.url)
    (hook,) = receiver.wait_for(1)
    with pytest.raises(InvalidWebhookSignatureError) as error:
        verify(hook)
    assert error.value.reason is SignatureFailureReason.SIGNATURE_MISMATCH


def test_duplicate_switch_sends_everything_twice(
    mp: MercadoPagoSandbox, receiver: WebhookReceiver
) -> None:
    mp.set_switches(duplicate=True)
    payment_id = create_pix(mp, receiver.url)
    mp.approve(payment_id)
    hooks = receiver.wait_for(4)
    actions = sorted(h.body["action"] for h in hooks)
    assert actions == ["payment.created"] * 2 + ["payment.updated"] * 2
    assert len({h.body["id"] for h in hooks}) == 2  # same event id in both copies
    for hook in hooks:
        verify(hook)


def test_out_of_order_switch_holds_then_reverses(
    mp: MercadoPagoSandbox, receiver: WebhookReceiver
) -> None:
    mp.set_switches(out_of_order=True)
    payment_id = create_pix(mp, receiver.url)
    mp.approve(payment_id)
    mp.refund(payment_id)
    held = mp.notifications()
    assert [r["state"] for r in held] == ["held"] * 3 and receiver.received == []
    assert mp.flush_notifications() == 3
    hooks = receiver.wait_for(3)
    assert [h.body["action"] for h in hooks] == [
        "payment.updated",
        "payment.updated",
        "payment.created",
    ]
    assert [h.body["id"] for h in hooks] == sorted((h.body["id"] for h in hooks), reverse=True)


def test_retries_after_a_500_until_success(mp: MercadoPagoSandbox) -> None:
    with WebhookReceiver(responses=[500, 503]) as receiver:
        create_pix(mp, receiver.url)
        hooks = receiver.wait_for(3)
        records = mp.wait_for_notifications(lambda rs: rs[0]["state"] == "delivered")
    assert [a["status_code"] for a in records[0]["attempts"]] == [500, 503, 200]
    assert len({h.headers["x-request-id"] for h in hooks}) == 3
    for hook in hooks:
        verify(hook)


def test_gives_up_after_the_schedule(mp: MercadoPagoSandbox) -> None:
    with WebhookReceiver(responses=[500, 500, 500]) as receiver:
        create_pix(mp, receiver.url)
        receiver.wait_for(3)
        records = mp.wait_for_notifications(lambda rs: rs[0]["state"] == "failed")
    assert len(records[0]["attempts"]) == 3  # first try + schedule [0, 0]


def test_slow_receiver_times_out_and_is_retried(mp: MercadoPagoSandbox) -> None:
    mp.set_switches(webhook_timeout=0.2)
    with WebhookReceiver(block_first=True) as receiver:
        create_pix(mp, receiver.url)
        records = mp.wait_for_notifications(lambda rs: rs[0]["state"] == "delivered")
        receiver.release.set()
    attempts = records[0]["attempts"]
    assert attempts[0]["error"] == "timeout" and attempts[-1]["status_code"] == 200


def test_unreachable_url_is_logged_as_failed(mp: MercadoPagoSandbox) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: connection refused
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    create_pix(mp, url)
    records = mp.wait_for_notifications(lambda rs: rs[0]["state"] == "failed")
    assert all(a["error"] for a in records[0]["attempts"])


def test_account_webhook_url_is_the_fallback(
    mp: MercadoPagoSandbox, receiver: WebhookReceiver
) -> None:
    mp.register_account("TEST-panel", webhook_url=receiver.url, webhook_secret="panel")
    body = {
        "transaction_amount": 10,
        "payment_method_id": "pix",
        "payer": {"email": "buyer@example.com"},
    }
    payment_id = mp.sdk("TEST-panel").payment().create(body)["response"]["id"]
    (hook,) = receiver.wait_for(1)
    assert hook.query["data.id"] == str(payment_id)
    verify(hook, "panel")


def test_expiry_notifies(mp: MercadoPagoSandbox, receiver: WebhookReceiver) -> None:
    payment_id = create_pix(mp, receiver.url)
    mp.advance_clock(25 * 3600)  # default PIX expiration is 24 h
    hooks = receiver.wait_for(2)
    assert hooks[1].body["action"] == "payment.updated"
    assert mp.payment(payment_id)["status_detail"] == "expired"


def test_no_url_means_no_webhook(mp: MercadoPagoSandbox) -> None:
    body = {
        "transaction_amount": 10,
        "payment_method_id": "pix",
        "payer": {"email": "buyer@example.com"},
    }
    mp.sdk(TOKEN).payment().create(body)
    assert mp.notifications() == []
