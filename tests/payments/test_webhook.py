"""POST /webhooks/mercadopago: signature, storage, bad input, fuzzing, and the real wire."""

from __future__ import annotations

import json
import time

import pytest
import time_machine
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import AuditEvent
from payments import ingest, services, webhooks
from payments.models import Payment, WebhookEvent
from tests.payments.conftest import SECRET, as_payable

pytestmark = [pytest.mark.django_db,
              pytest.mark.filterwarnings("ignore:notification_url is deprecated")]
URL = "/webhooks/mercadopago"


@pytest.fixture(autouse=True)
def _secret(settings) -> None:
    settings.MERCADOPAGO_WEBHOOK_SECRET = SECRET
    settings.MERCADOPAGO_WEBHOOK_TOLERANCE_SECONDS = 300


def rejected(reason_part: str) -> bool:
    return AuditEvent.objects.filter(action="webhook.rejected",
                                     data__reason__icontains=reason_part).exists()


def test_signed_notification_is_stored_once(client, signed):
    body = {"id": 77, "type": "payment", "action": "payment.updated", "data": {"id": "123"}}
    first = signed(client, "123", body=body)
    assert first.status_code == 200 and first.json() == {"status": "accepted"}
    again = signed(client, "123", body=body)  # MP retry: new request id, same event id
    assert again.status_code == 200 and again.json() == {"status": "duplicate"}
    event = WebhookEvent.objects.get()
    assert (event.event_id, event.topic, event.data_id, event.state) == (
        "77", "payment", "123", "received")
    assert event.payload == body and event.request_id


@pytest.mark.parametrize("case", ["forged", "wrong_secret", "missing", "stale", "future",
                                  "other_id", "garbled"])
def test_bad_signatures_are_401_and_store_nothing(client, signed, case):
    now = int(time.time())
    if case == "missing":
        response = client.post(f"{URL}?data.id=1&type=payment", data="{}",
                               content_type="application/json")
    elif case == "garbled":
        response = client.post(f"{URL}?data.id=1&type=payment", data="{}",
                               content_type="application/json",
                               headers={"x-signature": "v1,ts;;", "x-request-id": "r"})
    else:
        kwargs = {"forged": {"secret": "not-the-secret"},
                  "wrong_secret": {"secret": SECRET + "x"},
                  "stale": {"ts": now - 301}, "future": {"ts": now + 301},
                  "other_id": {"sign_id": "2"}}[case]
        # Frozen at the signing second: a slow request must not pull "now + 301" back in.
        with time_machine.travel(now, tick=False):
            response = signed(client, "1", **kwargs)
    assert response.status_code == 401
    assert WebhookEvent.objects.count() == 0
    assert AuditEvent.objects.filter(action="webhook.rejected").count() == 1


def test_tolerance_is_configurable_and_ms_timestamps_work(client, signed, settings):
    settings.MERCADOPAGO_WEBHOOK_TOLERANCE_SECONDS = 3600
    assert signed(client, "5", ts=int(time.time()) - 1800).status_code == 200
    assert signed(client, "6", ts=int(time.time() * 1000)).status_code == 200


def test_no_secret_configured_fails_closed(client, signed, settings):
    response = signed(client, "5")
    settings.MERCADOPAGO_WEBHOOK_SECRET = ""
    assert response.status_code == 200
    assert signed(client, "6", secret=SECRET).status_code == 401


def test_non_json_and_non_object_bodies_are_400(client, signed):
    assert signed(client, "9", raw=b"not json{").status_code == 400
    assert signed(client, "9", raw=b"[1, 2]").status_code == 400
    assert signed(client, "9", raw=b"\xff\xfe").status_code == 400
    assert WebhookEvent.objects.count() == 0 and rejected("JSON")


def test_body_over_64_kib_is_413(client, signed):
    big = {"id": 1, "type": "payment", "data": {"id": "9"}, "pad": "x" * (64 * 1024)}
    assert signed(client, "9", body=big).status_code == 413
    assert WebhookEvent.objects.count() == 0 and rejected("64 KiB")
    # Just under the limit is fine.
    small = {"id": 2, "type": "payment", "data": {"id": "9"}, "pad": "x" * (60 * 1024)}
    assert signed(client, "9", body=small).status_code == 200


def test_unknown_topic_is_200_ignored_and_recorded(client, signed):
    body = {"id": 5, "type": "merchant_order", "data": {"id": "42"}}
    response = signed(client, "42", body=body, query="data.id=42&type=merchant_order")
    assert response.status_code == 200 and response.json() == {"status": "ignored"}
    event = WebhookEvent.objects.get()
    assert event.state == "ignored" and event.topic == "merchant_order"
    assert AuditEvent.objects.filter(action="webhook.ignored").exists()


def test_only_post_and_no_csrf_needed(signed):
    client = Client(enforce_csrf_checks=True)
    assert client.get(URL).status_code == 405
    assert signed(client, "3").status_code == 200


def test_unsigned_legacy_ipn_only_when_allowed(client, settings):
    query = "topic=payment&id=123"
    assert client.post(f"{URL}?{query}", data="", content_type="application/json"
                       ).status_code == 401
    settings.MERCADOPAGO_IPN_ALLOW_UNSIGNED = True
    assert client.post(f"{URL}?{query}", data="", content_type="application/json"
                       ).status_code == 200
    event = WebhookEvent.objects.get()
    assert event.legacy_ipn and event.data_id == "123"


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                       lambda children: st.lists(children, max_size=4)
                       | st.dictionaries(st.text(max_size=8), children, max_size=4),
                       max_leaves=12)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300) | JSONISH.map(lambda v: json.dumps(v).encode()),
       signature=st.text(max_size=80), request_id=st.text(
           alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=40),
       query=st.dictionaries(st.sampled_from(["data.id", "type", "topic", "id", "x"]),
                             st.text(alphabet="abc123._-", max_size=12), max_size=4))
def test_fuzz_unsigned_input_never_stores_or_crashes(raw, signature, request_id, query):
    from urllib.parse import urlencode

    before = WebhookEvent.objects.count()
    response = Client().post(f"{URL}?{urlencode(query)}", data=raw,
                             content_type="application/json",
                             headers={"x-signature": signature, "x-request-id": request_id})
    assert response.status_code == 401
    assert WebhookEvent.objects.count() == before


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300) | JSONISH.map(lambda v: json.dumps(v).encode()),
       data_id=st.text(alphabet="abcdefABCDEF0123456789-", max_size=20))
def test_fuzz_signed_input_gets_a_clear_answer(raw, data_id):
    from urllib.parse import urlencode

    request_id = "req-fuzz"
    header = webhooks.sign(secret=SECRET, data_id=data_id, request_id=request_id,
                           ts=int(time.time()))
    query = urlencode({"data.id": data_id, "type": "payment"})
    response = Client().post(f"{URL}?{query}", data=raw, content_type="application/json",
                             headers={"x-signature": header, "x-request-id": request_id})
    assert response.status_code in (200, 400), response.content
    if response.status_code == 200:
        assert response.json()["status"] in ("accepted", "duplicate", "ignored")


@pytest.mark.django_db(transaction=True)
def test_sandbox_webhooks_over_the_wire(live_server, shop, mp, outcomes, settings,
                                        eager_celery):
    """The emulator signs and POSTs to our live server; the task (eager) fetches and applies."""
    settings.PUBLIC_URL = live_server.url
    payment = services.payment_create(payable=as_payable(shop.tenant), method="pix")
    mp.set_switches(duplicate=True)
    mp.approve(payment.provider_payment_id)
    assert outcomes.wait_for(lambda: outcomes.outcomes(payment) == ["approved"])
    mp.wait_for_notifications(lambda records: len(records) >= 3 and all(
        r["attempts"] and r["attempts"][-1].get("status_code") == 200 for r in records))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.APPROVED
    assert outcomes.outcomes(payment) == ["approved"]
    assert set(WebhookEvent.objects.values_list("state", flat=True)) == {"processed"}


def test_drain_picks_up_an_event_stored_while_a_drain_was_pending(client, signed, shop, mp,
                                                                  outcomes, eager_celery,
                                                                  django_capture_on_commit_callbacks):
    """The ack publishes no task while a drain is pending; that drain's last pass finds it."""
    from payments.ingest import DRAIN_KEY, current
    from payments.tasks import drain_webhook_events

    drain_flag = current().drain_flag

    payment = services.payment_create(payable=as_payable(shop.tenant), method="pix")
    mp.approve(payment.provider_payment_id)
    drain_flag().delete(DRAIN_KEY)
    drain_flag().set(DRAIN_KEY, 1, ex=30)  # a drain is queued or running
    with django_capture_on_commit_callbacks(execute=True):
        assert signed(client, payment.provider_payment_id).status_code == 200
    assert WebhookEvent.objects.get().state == "received"  # nothing published
    assert drain_webhook_events() == 1
    assert drain_flag().get(DRAIN_KEY) is None
    assert WebhookEvent.objects.get().state == "processed"
    assert outcomes.outcomes(payment) == ["approved"]
    # With no drain pending, the acknowledgement itself starts one.
    with django_capture_on_commit_callbacks(execute=True):
        signed(client, payment.provider_payment_id)
    assert set(WebhookEvent.objects.values_list("state", flat=True)) == {"processed"}
    assert outcomes.outcomes(payment) == ["approved"]


def test_beat_runs_reconciliation_and_requeues_stuck_events(shop, mp, outcomes, eager_celery):
    from datetime import timedelta

    import time_machine
    from django.conf import settings as django_settings
    from django.utils import timezone

    from config.celery import app
    from payments.tasks import reconcile_payments

    app.loader.import_default_modules()
    entry = django_settings.CELERY_BEAT_SCHEDULE["payments-reconcile"]
    assert entry["task"] in app.tasks
    payment = services.payment_create(payable=as_payable(shop.tenant), method="pix")
    mp.approve(payment.provider_payment_id)
    WebhookEvent.objects.create(event_id="lost-1", topic="payment",
                                data_id=payment.provider_payment_id, state="queued")
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        counts = reconcile_payments()
    assert counts["events_requeued"] == 1 and counts["changed"] == 1
    assert WebhookEvent.objects.get().state == "processed"
    assert outcomes.outcomes(payment) == ["approved"]


@pytest.mark.django_db(transaction=True)
def test_ack_survives_a_kept_connection_the_database_dropped(client, signed):
    """The acknowledgement's insert does not go through Django's per-request health check, so
    a connection that died since the last request (database restart) must be replaced on the
    spot, not answered with a 500."""
    import psycopg
    from django.db import close_old_connections, connection

    connection.ensure_connection()
    db = connection.settings_dict
    with psycopg.connect(dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"],
                         host=db["HOST"], port=db["PORT"] or None, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
    close_old_connections()  # what each request starts with: the dead connection is kept
    response = signed(client, "424242")
    assert response.status_code == 200
    assert response.json() == {"status": "accepted"}
    assert list(WebhookEvent.objects.values_list("data_id", "state")) == [("424242", "received")]


def test_the_insert_is_prepared_once_per_connection(client, signed):
    """The acknowledgement's insert is a server-side prepared statement: after the first
    notification PostgreSQL gets only its name and the values."""
    from django.db import connection

    for data_id in ("501", "502", "503"):
        assert signed(client, data_id).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert [s for s in prepared if "INTO payments_webhookevent" in s] == [
        ingest.INSERT_SQL.replace("%s", "$%d") % tuple(range(1, 12))]
    assert WebhookEvent.objects.count() == 3
