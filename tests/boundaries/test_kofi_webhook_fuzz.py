"""Hypothesis against Ko-fi's webhook (/webhooks/kofi/<hook id>): a form field `data` holding
JSON, with the shop's verification token or not, fields of every type and garbage around them.

Properties: no 5xx; a refusal (4xx) changes no row, except the audit of a token mismatch.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.models import AuditEvent
from memberships import services
from tests.boundaries.conftest import PROFILE, World, check_boundary
from tests.boundaries.strategies import JSON, NASTY, RAW_BODIES

TOKEN = "kofi-boundaries-token"
TYPES = st.sampled_from(["Donation", "Subscription", "Shop Order", "Commission", ""]) | NASTY
FIELD = JSON | NASTY
PAYLOADS = st.fixed_dictionaries(
    {"verification_token": st.sampled_from([TOKEN, "", "wrong", TOKEN + "\x00"]) | FIELD,
     "kofi_transaction_id": st.sampled_from(["tx-1", "tx-2", ""]) | FIELD, "type": TYPES},
    optional={"amount": st.sampled_from(["10.00", "0", "-1", "NaN", "1e999"]) | FIELD,
              "timestamp": st.sampled_from(["2026-03-01T12:00:00Z", "2026-02-30T00:00:00Z",
                                            "9999-12-31T23:59:59Z"]) | FIELD,
              "email": st.sampled_from(["a@b.example", ""]) | FIELD, "tier_name": FIELD,
              "message_id": FIELD, "currency": FIELD, "from_name": FIELD,
              "is_subscription_payment": FIELD, "is_first_subscription_payment": FIELD})


@pytest.fixture
def hook(world: World) -> str:
    conf = services.conf_for(world.shop.tenant)
    conf.kofi_token = TOKEN
    conf.save()
    return reverse("memberships:kofi_webhook", args=[conf.kofi_hook_id])


def _only_the_rejection_audited(before: int):
    def allowed(diff: dict) -> bool:
        new = AuditEvent.objects.order_by("-pk")[: max(0, AuditEvent.objects.count() - before)]
        return set(diff) == {"audit_auditevent"} and all(
            event.action == "kofi.rejected" for event in new)

    return allowed


@settings(PROFILE)
@given(data=st.one_of(PAYLOADS.map(lambda v: json.dumps(v, ensure_ascii=False)),
                      JSON.map(json.dumps), NASTY),
       extra=st.sampled_from(["", "&data=x", "&other=1"]))
def test_kofi_webhook(world: World, hook, data, extra):
    before = AuditEvent.objects.count()
    body = urlencode({"data": data}) + extra
    response = check_boundary("kofi_webhook", lambda: Client().post(
        hook, data=body, content_type="application/x-www-form-urlencoded"),
        allowed=_only_the_rejection_audited(before))
    assert response.status_code in (200, 400, 401, 413), response.content


@settings(PROFILE)
@given(body=RAW_BODIES, content_type=st.sampled_from([
    "application/x-www-form-urlencoded", "application/json", "multipart/form-data", ""]))
def test_kofi_webhook_raw_bodies(world: World, hook, body, content_type):
    response = check_boundary("kofi_webhook[raw]", lambda: Client().generic(
        "POST", hook, data=body, content_type=content_type))
    assert 400 <= response.status_code < 500 or response.status_code == 200
