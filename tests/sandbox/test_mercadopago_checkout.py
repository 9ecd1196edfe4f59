"""Checkout Pro flow, merchant orders, the HTTP control API, and small building blocks."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import mercadopago
import pytest
import requests

from sandbox.mercadopago.brcode import build_pix_payload, crc16_ccitt_false
from sandbox.mercadopago.client import BaseUrlHttpClient
from sandbox.mercadopago.testing import MercadoPagoSandbox, WebhookReceiver

pytestmark = pytest.mark.filterwarnings("ignore:notification_url is deprecated")
TOKEN = "TEST-checkout-seller"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def mp() -> Iterator[MercadoPagoSandbox]:
    with MercadoPagoSandbox() as sandbox:
        yield sandbox


def make_preference(sdk: mercadopago.SDK, notification_url: str | None = None) -> dict:
    result = sdk.preference().create(
        {
            "items": [
                {"title": "Plano Pro", "quantity": 2, "unit_price": 25.5, "currency_id": "BRL"}
            ],
            "external_reference": "sub-77",
            "back_urls": {
                "success": "http://127.0.0.1:9/ok?x=1",
                "failure": "http://127.0.0.1:9/fail",
                "pending": "http://127.0.0.1:9/pending",
            },
            "auto_return": "approved",
            "notification_url": notification_url,
        }
    )
    assert result["status"] == 201
    return result["response"]


def pay(mp: MercadoPagoSandbox, preference: dict, card: str) -> dict[str, list[str]]:
    page = requests.get(preference["init_point"], timeout=5)
    assert page.status_code == 200 and "<form" in page.text and "APRO" in page.text
    answer = requests.post(
        f"{mp.url}/checkout/v1/pay",
        data={
            "pref_id": preference["id"],
            "card": card,
            "email": "buyer@example.com",
            "payment_method_id": "master",
        },
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 302
    return {
        "_target": [answer.headers["Location"]],
        **parse_qs(urlsplit(answer.headers["Location"]).query),
    }


def test_preference_flow_approved(mp: MercadoPagoSandbox) -> None:
    sdk = mp.sdk(TOKEN)
    with WebhookReceiver() as receiver:
        preference = make_preference(sdk, receiver.url)
        assert preference["init_point"].startswith(mp.url)
        assert preference["sandbox_init_point"].startswith(mp.url)
        assert sdk.preference().get(preference["id"])["response"]["id"] == preference["id"]
        params = pay(mp, preference, "APRO")
        (hook,) = receiver.wait_for(1)
    assert params["_target"][0].startswith("http://127.0.0.1:9/ok?x=1&")
    assert params["status"] == params["collection_status"] == ["approved"]
    assert params["external_reference"] == ["sub-77"]
    assert params["preference_id"] == [preference["id"]]
    assert params["payment_id"] == params["collection_id"]
    payment = sdk.payment().get(params["payment_id"][0])["response"]
    assert payment["status"] == "approved" and payment["transaction_amount"] == 51
    assert payment["external_reference"] == "sub-77"
    assert hook.body["data"]["id"] == str(payment["id"])
    order = sdk.merchant_order().get(params["merchant_order_id"][0])
    assert order["status"] == 200
    assert order["response"]["order_status"] == "paid"
    assert order["response"]["paid_amount"] == 51
    assert [p["id"] for p in order["response"]["payments"]] == [payment["id"]]
    assert payment["order"] == {"id": int(params["merchant_order_id"][0]), "type": "mercadopago"}


def test_preference_flow_rejected_then_retry_same_order(mp: MercadoPagoSandbox) -> None:
    sdk = mp.sdk(TOKEN)
    preference = make_preference(sdk)
    rejected = pay(mp, preference, "OTHE")
    assert rejected["_target"][0].startswith("http://127.0.0.1:9/fail?")
    assert rejected["status"] == ["rejected"]
    approved = pay(mp, preference, "APRO")
    assert approved["merchant_order_id"] == rejected["merchant_order_id"]
    order = sdk.merchant_order().get(approved["merchant_order_id"][0])["response"]
    assert [p["status"] for p in order["payments"]] == ["rejected", "approved"]


def test_preference_without_items_is_400(mp: MercadoPagoSandbox) -> None:
    result = mp.sdk(TOKEN).preference().create({"items": []})
    assert result["status"] == 400 and result["response"]["error"] == "invalid_items"
    assert mp.sdk(TOKEN).preference().get("nope")["status"] == 404
    assert mp.sdk(TOKEN).merchant_order().get(1)["status"] == 404


def test_pix_ticket_page_can_pay(mp: MercadoPagoSandbox) -> None:
    body = {
        "transaction_amount": 10,
        "payment_method_id": "pix",
        "payer": {"email": "buyer@example.com"},
    }
    payment = mp.sdk(TOKEN).payment().create(body)["response"]
    ticket = payment["point_of_interaction"]["transaction_data"]["ticket_url"]
    answer = requests.post(f"{mp.url}/payments/{payment['id']}/ticket/pay", timeout=5)
    assert answer.status_code == 200 and "approved" in answer.text  # after 303 to ticket
    assert requests.get(ticket, timeout=5).status_code == 200


def test_control_api_over_http(mp: MercadoPagoSandbox) -> None:
    control = f"{mp.url}/_sandbox"
    assert "Control API" in requests.get(f"{control}/", timeout=5).text
    account = requests.post(
        f"{control}/accounts",
        timeout=5,
        json={"access_token": "APP_USR-1", "webhook_secret": "x", "collector_id": 42},
    ).json()
    assert account["collector_id"] == 42
    body = {
        "transaction_amount": 10,
        "payment_method_id": "pix",
        "payer": {"email": "buyer@example.com"},
    }
    payment_id = mp.sdk("APP_USR-1").payment().create(body)["response"]["id"]
    for action, status in (
        ("approve", "approved"),
        ("mediation", "in_mediation"),
        ("chargeback", "charged_back"),
    ):
        answer = requests.post(f"{control}/payments/{payment_id}/{action}", timeout=5)
        assert answer.status_code == 200 and answer.json()["status"] == status
    conflict = requests.post(f"{control}/payments/{payment_id}/approve", timeout=5)
    assert conflict.status_code == 400 and conflict.json()["cause"]
    assert requests.post(f"{control}/payments/{payment_id}/fly", timeout=5).status_code == 404
    switches = requests.post(
        f"{control}/switches", json={"duplicate": True, "retry_schedule": [1, 2]}, timeout=5
    ).json()
    assert switches["duplicate"] is True and switches["retry_schedule"] == [1.0, 2.0]
    assert requests.get(f"{control}/state", timeout=5).json()["payments"] == 1
    assert requests.get(f"{control}/notifications", timeout=5).json() == []
    moved = requests.post(f"{control}/clock", json={"advance_seconds": 60}, timeout=5)
    assert moved.json()["now"]
    assert requests.post(f"{control}/reset", timeout=5).json() == {"reset": True}
    assert requests.get(f"{control}/payments", timeout=5).json() == []
    assert mp.sdk("APP_USR-1").payment().get(payment_id)["status"] == 401  # accounts reset


def test_brcode_fields_are_trimmed_and_checksummed() -> None:
    code = build_pix_payload(
        amount=Decimal("5"),
        merchant_name="Lojinha da Conceição Ltda ME",
        merchant_city="São José dos Campos",
        txid="abc-123",
        location_id="loc",
    )
    assert "5925LOJINHA DA CONCEICAO LTDA" in code
    assert "6015SAO JOSE DOS CA6" in code
    assert "62100506abc123" in code
    assert code[-4:] == f"{crc16_ccitt_false(code[:-4].encode()):04X}"


def test_client_rewrites_only_the_mp_base() -> None:
    client = BaseUrlHttpClient("http://127.0.0.1:1234/")
    assert client.rewrite("https://api.mercadopago.com/v1/payments") == (
        "http://127.0.0.1:1234/v1/payments"
    )
    assert client.rewrite("https://example.com/x") == "https://example.com/x"


def test_cli_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sandbox.mercadopago", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0 and "--port" in done.stdout
