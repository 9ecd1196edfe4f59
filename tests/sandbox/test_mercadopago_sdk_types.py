"""Contract test: the Mercado Pago sandbox's JSON against the official SDK's typed models.

The official Node SDK (npm `mercadopago` 3.6.1, MIT) ships TypeScript types for every answer;
`mercadopago_sdk/types/` vendors the .d.ts files used and `mercadopago_sdk/schemas/` the JSON
Schemas generated from them (ts-json-schema-generator; see sandbox/mercadopago/README.md,
"Where the shapes come from"). Each sandbox answer must use only fields the model declares
(`additionalProperties: false`), each with the declared type, and carry the fields the
platform reads.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema
import mercadopago
import pytest
import requests

from sandbox.mercadopago.testing import MercadoPagoSandbox

pytestmark = pytest.mark.filterwarnings("ignore:notification_url is deprecated")
TOKEN = "TEST-sdk-types-seller"
SCHEMAS = Path(__file__).with_name("mercadopago_sdk") / "schemas"
SDK_VERSION = "3.6.1"


def model(name: str) -> dict[str, Any]:
    """The SDK model as JSON Schema, for the wire: `api_response` is the SDK's own envelope
    (status and headers it adds client-side), so it is not required of the JSON."""
    schema = json.loads((SCHEMAS / f"{name}.json").read_text())

    def drop(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("required"), list):
                node["required"] = [r for r in node["required"] if r != "api_response"]
            for value in node.values():
                drop(value)
        elif isinstance(node, list):
            for value in node:
                drop(value)

    drop(schema)
    return schema


def without_nulls(value: Any) -> Any:
    """MP's API writes an absent optional field as null; the SDK types it as `field?: T`."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def problems(name: str, document: Any) -> list[str]:
    validator = jsonschema.Draft7Validator(model(name))
    return [f"{name} {'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
            for e in validator.iter_errors(without_nulls(copy.deepcopy(document)))]


def assert_fits(name: str, document: Any, must_have: tuple[str, ...] = ()) -> None:
    found = problems(name, document)
    assert not found, "\n".join(found)
    for path in must_have:
        node = document
        for part in path.split("."):
            assert isinstance(node, dict) and node.get(part) is not None, f"{name}: no {path}"
            node = node[part]


@pytest.fixture
def mp() -> Iterator[MercadoPagoSandbox]:
    with MercadoPagoSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def sdk(mp: MercadoPagoSandbox) -> mercadopago.SDK:
    return mp.sdk(TOKEN)


PAYMENT_FIELDS = ("id", "status", "status_detail", "transaction_amount", "currency_id",
                  "date_created", "payment_method_id", "payment_type_id", "external_reference",
                  "transaction_details.total_paid_amount")


def test_vendored_schemas_match_the_vendored_types() -> None:
    """The schemas are the SDK's: every property the .d.ts of PaymentResponse declares is in
    the schema, and the schema declares nothing else."""
    source = (SCHEMAS.parent / "types" / "clients" / "payment" / "commonTypes.d.ts").read_text()
    body = source[source.index("export declare interface PaymentResponse"):]
    body = body[:body.index("\n}")]
    declared = {line.strip().split("?")[0].split(":")[0] for line in body.splitlines()[1:]
                if line.strip() and not line.strip().startswith(("/*", "*"))}
    schema = model("PaymentResponse")
    root = schema["definitions"]["PaymentResponse"] if "definitions" in schema else schema
    assert declared == set(root["properties"]) - {"api_response"}
    assert root["additionalProperties"] is False
    licence = (SCHEMAS.parent / "LICENSE").read_text()
    assert "MIT License" in licence and "MercadoPago" in licence


def test_pix_and_card_payments_fit_payment_response(mp: MercadoPagoSandbox, sdk) -> None:
    pix = sdk.payment().create({"transaction_amount": 19.9, "payment_method_id": "pix",
                                "description": "Plano", "external_reference": "o-1",
                                "metadata": {"tenant": "loja"},
                                "payer": {"email": "ana@example.com", "first_name": "Ana"}})
    assert pix["status"] == 201
    assert_fits("PaymentResponse", pix["response"], (
        *PAYMENT_FIELDS, "date_of_expiration", "point_of_interaction.transaction_data.qr_code",
        "point_of_interaction.transaction_data.qr_code_base64",
        "point_of_interaction.transaction_data.ticket_url"))
    pid = pix["response"]["id"]
    mp.approve(pid)
    approved = sdk.payment().get(pid)["response"]
    assert_fits("PaymentResponse", approved, (
        *PAYMENT_FIELDS, "date_approved", "money_release_date",
        "transaction_details.net_received_amount"))
    for card in ("APRO", "OTHE", "CONT"):
        paid = sdk.payment().create({"transaction_amount": 50, "payment_method_id": "master",
                                     "token": f"tok-{card}", "installments": 1,
                                     "external_reference": f"o-{card}",
                                     "payer": {"email": "b@example.com", "first_name": card}})
        assert paid["status"] == 201
        assert_fits("PaymentResponse", paid["response"], (*PAYMENT_FIELDS, "card.last_four_digits"))
    open_one = sdk.payment().create({"transaction_amount": 5, "payment_method_id": "pix",
                                     "external_reference": "o-2",
                                     "payer": {"email": "c@example.com"}})["response"]
    cancelled = sdk.payment().update(open_one["id"], {"status": "cancelled"})
    assert cancelled["status"] == 200 and cancelled["response"]["status"] == "cancelled"
    assert_fits("PaymentResponse", cancelled["response"], PAYMENT_FIELDS)


def test_search_fits_payment_search(mp: MercadoPagoSandbox, sdk) -> None:
    for ref in ("s-1", "s-2"):
        sdk.payment().create({"transaction_amount": 10, "payment_method_id": "pix",
                              "external_reference": ref, "payer": {"email": "d@example.com"}})
    found = sdk.payment().search({"external_reference": "s-1"})
    assert found["status"] == 200 and len(found["response"]["results"]) == 1
    # The SDK's PaymentSearchResult is a reduced copy of the payment that contradicts its own
    # PaymentResponse (ids as strings); the API returns whole payments, so each result is
    # checked as a PaymentResponse and the envelope (paging) as PaymentSearch.
    assert_fits("PaymentSearch", found["response"] | {"results": []},
                ("paging.total", "paging.limit", "paging.offset"))
    for result in found["response"]["results"]:
        assert_fits("PaymentResponse", result, PAYMENT_FIELDS)


def test_refunds_fit_refund_response(mp: MercadoPagoSandbox, sdk) -> None:
    pid = sdk.payment().create({"transaction_amount": 30, "payment_method_id": "pix",
                                "external_reference": "r-1",
                                "payer": {"email": "e@example.com"}})["response"]["id"]
    mp.approve(pid)
    partial = sdk.refund().create(pid, {"amount": 10})
    assert partial["status"] == 201
    assert_fits("RefundResponse", partial["response"], ("id", "payment_id", "amount", "status",
                                                        "date_created"))
    full = sdk.refund().create(pid)
    assert full["status"] == 201 and full["response"]["amount"] == 20
    listed = sdk.refund().list_all(pid)
    assert listed["status"] == 200 and len(listed["response"]) == 2
    for refund in listed["response"]:
        assert_fits("RefundResponse", refund)
    fetched = sdk.refund().get(pid, partial["response"]["id"])
    assert_fits("RefundResponse", fetched["response"])
    payment = sdk.payment().get(pid)["response"]
    assert payment["status"] == "refunded"
    assert_fits("PaymentResponse", payment, (*PAYMENT_FIELDS, "refunds"))


def test_preferences_and_merchant_orders_fit_their_models(mp: MercadoPagoSandbox, sdk) -> None:
    created = sdk.preference().create({
        "items": [{"id": "v-1", "title": "Plano Pro", "quantity": 2, "unit_price": 25.5,
                   "currency_id": "BRL", "description": "30 dias"}],
        "external_reference": "pref-1",
        "back_urls": {"success": "http://127.0.0.1:9/ok", "failure": "http://127.0.0.1:9/no",
                      "pending": "http://127.0.0.1:9/wait"},
        "auto_return": "approved", "notification_url": "http://127.0.0.1:9/hook",
        "payer": {"email": "f@example.com"}, "metadata": {"sub": 7},
    })
    assert created["status"] == 201
    preference = created["response"]
    assert_fits("PreferenceResponse", preference, ("id", "init_point", "sandbox_init_point",
                                                   "items", "date_created", "collector_id"))
    assert_fits("PreferenceResponse", sdk.preference().get(preference["id"])["response"])
    answer = requests.post(f"{mp.url}/checkout/v1/pay", allow_redirects=False, timeout=5, data={
        "pref_id": preference["id"], "card": "APRO", "email": "f@example.com",
        "payment_method_id": "master"})
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    order = sdk.merchant_order().get(query["merchant_order_id"][0])
    assert order["status"] == 200
    assert_fits("MerchantOrderResponse", order["response"], ("id", "preference_id", "payments"))
    payment = sdk.payment().get(query["payment_id"][0])["response"]
    assert_fits("PaymentResponse", payment, (*PAYMENT_FIELDS, "order.id"))


def test_errors_fit_the_sdk_error_body(mp: MercadoPagoSandbox, sdk) -> None:
    answers = [
        mp.sdk("not-registered").payment().get(1),  # 401
        sdk.payment().create({"transaction_amount": -1, "payment_method_id": "pix",
                              "payer": {"email": "g@example.com"}}),  # 400
        sdk.payment().create({"transaction_amount": 1, "payment_method_id": "pix",
                              "payer": {"email": "not-an-email"}}),  # 400
        sdk.payment().get(999999999),  # 404
        sdk.preference().create({"items": []}),  # 400
        sdk.merchant_order().get(1),  # 404
        sdk.refund().create(999999999),  # 404
    ]
    assert [a["status"] for a in answers] == [401, 400, 400, 404, 400, 404, 404]
    for answer in answers:
        assert_fits("ApiErrorBody", answer["response"], ("message", "error", "status"))
        assert answer["response"]["status"] == answer["status"]
        for cause in answer["response"]["cause"]:
            assert {"code", "description"} <= set(cause)
