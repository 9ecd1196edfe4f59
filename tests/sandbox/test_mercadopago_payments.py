"""The official SDK, unmodified, against the emulator: payments, refunds, errors."""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import mercadopago
import pytest
import requests
from mercadopago.config import RequestOptions

from sandbox.mercadopago.testing import MercadoPagoSandbox

pytestmark = pytest.mark.filterwarnings("ignore:notification_url is deprecated")
TOKEN = "TEST-vitrine-seller-1"


@pytest.fixture
def mp() -> Iterator[MercadoPagoSandbox]:
    with MercadoPagoSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def sdk(mp: MercadoPagoSandbox) -> mercadopago.SDK:
    return mp.sdk(TOKEN)


def pix_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "transaction_amount": 129.9,
        "description": "Plano Vitrine Pro",
        "payment_method_id": "pix",
        "external_reference": "order-42",
        "metadata": {"tenant": "loja-da-ana"},
        "payer": {"email": "buyer@example.com", "first_name": "Ana"},
    }
    body.update(overrides)
    return body


def crc16(payload: bytes) -> int:
    """Independent table-driven CRC-16/CCITT-FALSE (the emulator uses a bitwise loop)."""
    table = []
    for i in range(256):
        c = i << 8
        for _ in range(8):
            c = ((c << 1) ^ 0x1021) & 0xFFFF if c & 0x8000 else (c << 1) & 0xFFFF
        table.append(c)
    crc = 0xFFFF
    for b in payload:
        crc = ((crc << 8) & 0xFFFF) ^ table[((crc >> 8) ^ b) & 0xFF]
    return crc


def parse_emv(code: str) -> dict[str, str]:
    fields, i = {}, 0
    while i < len(code):
        tag, size = code[i : i + 2], int(code[i + 2 : i + 4])
        fields[tag] = code[i + 4 : i + 4 + size]
        i += 4 + size
    return fields


def png_chunks(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = [], 8
    while pos < len(data):
        (size,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + size]
        (crc,) = struct.unpack(">I", data[pos + 8 + size : pos + 12 + size])
        assert zlib.crc32(kind + body) == crc
        chunks.append(kind)
        pos += 12 + size
    return chunks


def test_crc_reference_vector() -> None:
    assert crc16(b"123456789") == 0x29B1


def test_pix_payment_created_with_valid_brcode_and_png(sdk: mercadopago.SDK) -> None:
    result = sdk.payment().create(pix_body())
    assert result["status"] == 201
    payment = result["response"]
    assert isinstance(payment["id"], int)
    assert (payment["status"], payment["status_detail"]) == ("pending", "pending_waiting_transfer")
    assert payment["transaction_amount"] == 129.9
    assert payment["currency_id"] == "BRL" and payment["live_mode"] is False
    assert payment["external_reference"] == "order-42"
    assert payment["metadata"] == {"tenant": "loja-da-ana"}
    assert payment["date_of_expiration"]  # PIX defaults to 24 h
    data = payment["point_of_interaction"]["transaction_data"]
    code = data["qr_code"]
    assert code.endswith(f"{crc16(code[:-4].encode()):04X}") and code[-8:-4] == "6304"
    fields = parse_emv(code)
    assert fields["00"] == "01" and fields["53"] == "986" and fields["58"] == "BR"
    assert fields["54"] == "129.90"
    assert len(fields["59"]) <= 25 and len(fields["60"]) <= 15
    assert parse_emv(fields["26"])["00"] == "br.gov.bcb.pix"
    assert parse_emv(fields["62"])["05"]  # txid
    assert png_chunks(base64.b64decode(data["qr_code_base64"]))[-1] == b"IEND"
    ticket = requests.get(data["ticket_url"], timeout=5)
    assert ticket.status_code == 200 and "PIX" in ticket.text


def test_get_and_search(sdk: mercadopago.SDK) -> None:
    created = sdk.payment().create(pix_body())["response"]
    sdk.payment().create(pix_body(external_reference="other"))
    got = sdk.payment().get(created["id"])
    assert got["status"] == 200 and got["response"]["id"] == created["id"]
    found = sdk.payment().search({"external_reference": "order-42"})["response"]
    assert found["paging"]["total"] == 1
    assert [p["id"] for p in found["results"]] == [created["id"]]
    pending = sdk.payment().search({"status": "pending", "limit": 1})["response"]
    assert pending["paging"] == {"total": 2, "limit": 1, "offset": 0}
    assert sdk.payment().search({"status": "approved"})["response"]["results"] == []


def test_search_is_scoped_to_the_token(mp: MercadoPagoSandbox, sdk: mercadopago.SDK) -> None:
    created = sdk.payment().create(pix_body())["response"]
    other = mp.sdk("TEST-someone-else")
    assert other.payment().search({})["response"]["paging"]["total"] == 0
    assert other.payment().get(created["id"])["status"] == 404


def test_idempotency_key_returns_the_original_payment(
    mp: MercadoPagoSandbox, sdk: mercadopago.SDK
) -> None:
    options = RequestOptions(custom_headers={"x-idempotency-key": "order-42-attempt-1"})
    first = sdk.payment().create(pix_body(), options)["response"]
    again = sdk.payment().create(pix_body(transaction_amount=1), options)["response"]
    assert again["id"] == first["id"] and again["transaction_amount"] == 129.9
    assert sdk.payment().search({})["response"]["paging"]["total"] == 1
    # the key is per access token (fresh options: the SDK stores the token in them)
    options = RequestOptions(custom_headers={"x-idempotency-key": "order-42-attempt-1"})
    other = mp.sdk("TEST-other").payment().create(pix_body(), options)["response"]
    assert other["id"] != first["id"]


def test_card_payments_follow_test_card_names(sdk: mercadopago.SDK) -> None:
    body = {
        "transaction_amount": 50,
        "payment_method_id": "visa",
        "token": "tok-APRO",
        "payer": {"email": "buyer@example.com"},
    }
    approved = sdk.payment().create(body)["response"]
    assert (approved["status"], approved["status_detail"]) == ("approved", "accredited")
    assert approved["date_approved"] and approved["money_release_date"]
    assert approved["fee_details"][0]["type"] == "mercadopago_fee"
    details = approved["transaction_details"]
    assert details["net_received_amount"] < details["total_paid_amount"] == 50
    rejected = sdk.payment().create({**body, "token": "tok-OTHE"})["response"]
    assert (rejected["status"], rejected["status_detail"]) == (
        "rejected",
        "cc_rejected_other_reason",
    )
    funds = sdk.payment().create({**body, "token": "x", "payer": {"first_name": "FUND"}})
    assert funds["response"]["status_detail"] == "cc_rejected_insufficient_amount"


def test_approve_via_control(mp: MercadoPagoSandbox, sdk: mercadopago.SDK) -> None:
    created = sdk.payment().create(pix_body())["response"]
    mp.approve(created["id"])
    payment = sdk.payment().get(created["id"])["response"]
    assert (payment["status"], payment["status_detail"]) == ("approved", "accredited")
    assert payment["transaction_details"]["net_received_amount"] == pytest.approx(128.61)


def test_cancel_pending_and_refuse_cancelling_approved(
    mp: MercadoPagoSandbox, sdk: mercadopago.SDK
) -> None:
    created = sdk.payment().create(pix_body())["response"]
    cancelled = sdk.payment().update(created["id"], {"status": "cancelled"})
    assert cancelled["status"] == 200
    assert (cancelled["response"]["status"], cancelled["response"]["status_detail"]) == (
        "cancelled",
        "by_collector",
    )
    other = sdk.payment().create(pix_body())["response"]
    mp.approve(other["id"])
    refused = sdk.payment().update(other["id"], {"status": "cancelled"})
    assert refused["status"] == 400
    assert set(refused["response"]) == {"message", "error", "status", "cause"}


def test_full_refund(mp: MercadoPagoSandbox, sdk: mercadopago.SDK) -> None:
    created = sdk.payment().create(pix_body())["response"]
    assert sdk.refund().create(created["id"])["status"] == 400  # not approved yet
    mp.approve(created["id"])
    refund = sdk.refund().create(created["id"])
    assert refund["status"] == 201 and refund["response"]["amount"] == 129.9
    payment = sdk.payment().get(created["id"])["response"]
    assert (payment["status"], payment["status_detail"]) == ("refunded", "refunded")
    assert payment["transaction_amount_refunded"] == 129.9
    assert [r["id"] for r in payment["refunds"]] == [refund["response"]["id"]]
    listed = sdk.refund().list_all(created["id"])["response"]
    assert [r["id"] for r in listed] == [refund["response"]["id"]]
    assert sdk.refund().get(created["id"], refund["response"]["id"])["status"] == 200


def test_partial_refunds_then_rest(mp: MercadoPagoSandbox, sdk: mercadopago.SDK) -> None:
    created = sdk.payment().create(pix_body(transaction_amount=100))["response"]
    mp.approve(created["id"])
    assert sdk.refund().create(created["id"], {"amount": 30.5})["status"] == 201
    payment = sdk.payment().get(created["id"])["response"]
    assert (payment["status"], payment["status_detail"]) == ("approved", "partially_refunded")
    assert payment["transaction_amount_refunded"] == 30.5
    too_much = sdk.refund().create(created["id"], {"amount": 70})
    assert too_much["status"] == 400 and too_much["response"]["cause"]
    assert sdk.refund().create(created["id"], {"amount": 69.5})["status"] == 201
    payment = sdk.payment().get(created["id"])["response"]
    assert (payment["status"], payment["status_detail"]) == ("refunded", "refunded")
    assert len(payment["refunds"]) == 2


def test_chargeback_and_mediation(mp: MercadoPagoSandbox, sdk: mercadopago.SDK) -> None:
    first = sdk.payment().create(pix_body())["response"]
    second = sdk.payment().create(pix_body())["response"]
    mp.approve(first["id"])
    mp.approve(second["id"])
    mp.charge_back(first["id"])
    mp.mediation(second["id"])
    assert sdk.payment().get(first["id"])["response"]["status_detail"] == "settled"
    assert sdk.payment().get(first["id"])["response"]["status"] == "charged_back"
    assert sdk.payment().get(second["id"])["response"]["status"] == "in_mediation"


def test_expiration_is_lazy_on_read(mp: MercadoPagoSandbox, sdk: mercadopago.SDK) -> None:
    soon = (datetime.now(timezone(timedelta(hours=-3))) + timedelta(minutes=30)).isoformat(
        timespec="milliseconds"
    )
    created = sdk.payment().create(pix_body(date_of_expiration=soon))["response"]
    assert created["date_of_expiration"].startswith(soon[:16])
    mp.advance_clock(31 * 60)
    payment = sdk.payment().get(created["id"])["response"]
    assert (payment["status"], payment["status_detail"]) == ("cancelled", "expired")
    with pytest.raises(Exception, match="can't be approved"):
        mp.approve(created["id"])


def test_unknown_or_missing_token_is_401(mp: MercadoPagoSandbox) -> None:
    result = mp.sdk("APP_USR-unknown").payment().create(pix_body())
    assert result["status"] == 401
    assert result["response"]["status"] == 401 and result["response"]["error"] == "unauthorized"
    bare = requests.get(f"{mp.url}/v1/payments/1", timeout=5)
    assert bare.status_code == 401 and bare.headers["Content-Type"].startswith("application/json")


def test_registered_token(mp: MercadoPagoSandbox) -> None:
    account = mp.register_account("APP_USR-real-looking", collector_id=123456)
    assert account["collector_id"] == 123456
    payment = mp.sdk("APP_USR-real-looking").payment().create(pix_body())["response"]
    assert payment["collector_id"] == 123456


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"transaction_amount": None}, 4037),
        ({"transaction_amount": -5}, 4049),
        ({"transaction_amount": "12"}, 4037),
        ({"payer": {"email": "nope"}}, 4050),
        ({"payment_method_id": "bitcoin"}, 4033),
        ({"notification_url": "ftp://x"}, 4020),
    ],
)
def test_malformed_bodies_are_400_in_mp_shape(
    sdk: mercadopago.SDK, body: dict[str, object], code: int
) -> None:
    result = sdk.payment().create(pix_body(**body))
    assert result["status"] == 400
    error = result["response"]
    assert error["status"] == 400 and error["error"] == "bad_request" and error["message"]
    assert error["cause"][0]["code"] == code


def test_bad_json_and_unknown_ids(mp: MercadoPagoSandbox, sdk: mercadopago.SDK) -> None:
    bad = requests.post(
        f"{mp.url}/v1/payments",
        data="{not json",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=5,
    )
    assert bad.status_code == 400 and bad.json()["message"] == "JSON parse error"
    missing = sdk.payment().get(999)
    assert missing["status"] == 404
    assert missing["response"]["cause"][0]["code"] == 2000
    assert sdk.payment().get("abc")["status"] == 404
    assert sdk.refund().create(999)["status"] == 404
    route = requests.get(f"{mp.url}/v1/nothing", timeout=5)
    assert route.status_code == 404 and route.json()["status"] == 404
