"""The Mercado Pago sandbox's chargebacks and PIX MED claims, read through the official SDK
and notified with MP's topics."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import mercadopago
import pytest

from sandbox.mercadopago.errors import MPError
from sandbox.mercadopago.testing import MercadoPagoSandbox

TOKEN = "TEST-vitrine-seller-disputes"
CHARGEBACK_KEYS = {"id", "payments", "currency", "amount", "reason", "coverage_applied",
                   "coverage_elegible", "documentation_required", "documentation_status",
                   "documentation", "date_documentation_deadline", "date_created",
                   "date_last_updated", "live_mode"}


@pytest.fixture
def mp() -> Iterator[MercadoPagoSandbox]:
    with MercadoPagoSandbox() as sandbox:
        sandbox.register_account(TOKEN, webhook_url="http://127.0.0.1:9/hooks")
        yield sandbox


def _paid(sdk: mercadopago.SDK, method: str) -> dict:
    body = {"transaction_amount": 50, "payment_method_id": method, "token": "tok-APRO",
            "payer": {"email": "buyer@example.com"}}
    return sdk.payment().create(body)["response"]


def test_chargeback_lifecycle_through_the_sdk(mp: MercadoPagoSandbox) -> None:
    sdk = mp.sdk(TOKEN)
    payment = _paid(sdk, "visa")
    opened = mp.open_chargeback(payment["id"])
    read = sdk.chargeback().get(opened["id"])
    assert read["status"] == 200 and set(read["response"]) == CHARGEBACK_KEYS
    assert read["response"]["coverage_applied"] is None
    assert read["response"]["payments"] == [payment["id"]]
    assert sdk.payment().get(payment["id"])["response"]["status"] == "charged_back"
    found = sdk.chargeback().search({"payment_id": str(payment["id"])})["response"]
    assert [c["id"] for c in found["results"]] == [opened["id"]]
    mp.resolve_chargeback(opened["id"], won=True)
    assert sdk.chargeback().get(opened["id"])["response"]["coverage_applied"] is True
    assert sdk.payment().get(payment["id"])["response"]["status_detail"] == "reimbursed"
    notes = [r for r in mp.notifications() if r["topic"] == "topic_chargebacks_wh"]
    assert len(notes) == 2
    query = dict(parse_qsl(urlsplit(notes[0]["url"]).query))
    assert query == {"data.id": opened["id"], "type": "topic_chargebacks_wh"}
    assert notes[0]["body"]["data"]["payment_id"] == payment["id"]
    assert notes[0]["body"]["actions"] == ["new_case"]
    # Another seller's token cannot read it (404 as MP answers).
    assert mp.sdk("TEST-someone-else").chargeback().get(opened["id"])["status"] == 404


def test_med_claim_lost_refunds_the_payer(mp: MercadoPagoSandbox) -> None:
    sdk = mp.sdk(TOKEN)
    payment = sdk.payment().create({"transaction_amount": 20, "payment_method_id": "pix",
                                    "payer": {"email": "b@example.com"}})["response"]
    mp.approve(payment["id"])
    with pytest.raises(MPError):
        mp.call(lambda: mp.emulator.disputes.open_chargeback(payment["id"]))  # PIX: MED only
    claim = mp.open_med(payment["id"])
    assert (claim["resource"], claim["resource_id"], claim["status"]) == (
        "payment", payment["id"], "opened")
    respondent = next(p for p in claim["players"] if p["role"] == "respondent")
    assert respondent["available_actions"][0]["due_date"]
    mp.resolve_med(claim["id"], won=False)
    closed = mp.snapshot(mp.emulator.disputes.claim, claim["id"])
    assert closed["status"] == "closed" and closed["resolution"]["benefited"] == ["complainant"]
    assert sdk.payment().get(payment["id"])["response"]["status"] == "refunded"
    notes = [r for r in mp.notifications() if r["topic"] == "topic_claims_integration_wh"]
    assert len(notes) == 2 and notes[0]["body"]["data"]["resource"] == \
        f"/post-purchase/v1/claims/{claim['id']}"
