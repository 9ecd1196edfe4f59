"""Diagnostics: every readout true, from the thing itself.

The database's vendor and version from the live connection, the workers from a broadcast ping
that a real Celery worker answers (a thread consuming the real Redis broker), beat from its
pulse, the bots' engine from the runtime worker asked on its queue (or its last report), and
Mercado Pago and Discord through their wrappers against the sandboxes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.db.utils import ConnectionHandler
from django.urls import reverse
from django.utils import timezone

from admin_panel import diagnostics
from admin_panel.tasks import record_beat
from config.celery import app
from runtime.backends import reset_backend_cache
from runtime.models import EngineReport
from runtime.tasks import runtime_engine_check
from sandbox.discord.testing import DiscordSandbox
from sandbox.mercadopago.testing import MercadoPagoSandbox

ALL_QUEUES = ["default", "fulfillment", "runtime"]


@contextmanager
def real_worker(queues: list[str]) -> Iterator[None]:
    """A Celery worker in a thread, on the real broker, answering pings and engine checks.

    A twin app from the same settings without the Django fixup (which would close the test
    thread's database connection), like tests/config/test_celery.py.
    """
    twin = Celery("vitrine-diagnostics-test", fixups=[])
    twin.config_from_object("django.conf:settings", namespace="CELERY")
    twin.conf.task_queues = app.conf.task_queues
    twin.task(name=runtime_engine_check.name)(runtime_engine_check.run)
    try:
        with start_worker(twin, queues=queues, perform_ping_check=False, pool="solo",
                          shutdown_timeout=10):
            yield
    finally:
        # start_worker makes the twin the current and default app; later tests must enqueue
        # through the project's app (eager in tests), not the twin's broker.
        app.set_current()
        app.set_default()


@pytest.fixture(autouse=True)
def _isolated_runtime(settings, tmp_path) -> Iterator[None]:
    settings.RUNTIME_BACKEND = "process"
    settings.RUNTIME_NAMESPACE = f"vdiag{uuid.uuid4().hex[:8]}"
    settings.VAR_DIR = tmp_path
    settings.DISCORD_API_BASE_URL = "http://127.0.0.1:9/api"
    settings.DIAGNOSTICS_ENGINE_WAIT_SECONDS = 0.3
    reset_backend_cache()
    yield
    reset_backend_cache()


def _checks(client) -> dict:
    client.cookies["vitrine_language"] = "en"  # the assertions read the English texts
    response = client.get(reverse("admin:ops_diagnostics"))
    assert response.status_code == 200
    return {check.key: check for check in response.context["checks"]}


def _report(*, age: timedelta, ok: bool = True, error: str = "") -> EngineReport:
    from django.conf import settings

    return EngineReport.objects.create(
        namespace=settings.RUNTIME_NAMESPACE, backend="process", ok=ok, error=error,
        version="local processes (Python 3)", bots=2, checked_at=timezone.now() - age)


@pytest.mark.django_db(transaction=True)
def test_all_green_with_a_worker_and_the_sandboxes(operator, client_for, settings) -> None:
    record_beat()
    with DiscordSandbox() as discord, MercadoPagoSandbox() as mercadopago, \
            real_worker(ALL_QUEUES):
        settings.DISCORD_API_BASE_URL = f"{discord.url}/api"
        settings.MERCADOPAGO_API_BASE_URL = mercadopago.url
        settings.MERCADOPAGO_ACCESS_TOKEN = "TEST-diagnostics"
        settings.DIAGNOSTICS_ENGINE_WAIT_SECONDS = 10
        checks = _checks(client_for(operator))
    assert {key: check.ok for key, check in checks.items()} == {
        "database": True, "redis": True, "workers": True, "beat": True, "engine": True,
        "mercadopago": True, "discord": True}
    assert "1 worker" in checks["workers"].detail
    assert "(default, fulfillment, runtime)" in checks["workers"].detail
    # The runtime worker answered now: its version, no "last report" fallback.
    engine = checks["engine"].detail
    assert engine.startswith("local processes (Python 3.") and "0 bots" in engine
    assert "last report" not in engine
    assert EngineReport.objects.get().ok


@pytest.mark.django_db
def test_database_vendor_and_version_come_from_the_live_connection() -> None:
    detail = diagnostics._database()
    major, minor = divmod(connection.pg_version, 10000)
    assert detail.startswith(f"PostgreSQL {major}.{minor % 100}")
    sqlite = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3",
                                            "NAME": ":memory:"}})["default"]
    try:
        import sqlite3

        assert diagnostics._database(sqlite) == f"SQLite {sqlite3.sqlite_version}"
    finally:
        sqlite.close()


@pytest.mark.django_db
def test_workers_fail_when_none_answers(operator, client_for) -> None:
    check = _checks(client_for(operator))["workers"]
    assert check.ok is False and "no worker answered" in check.detail


@pytest.mark.django_db(transaction=True)
def test_workers_fail_when_a_queue_has_no_consumer(operator, client_for) -> None:
    with real_worker(["default"]):
        check = _checks(client_for(operator))["workers"]
    assert check.ok is False
    assert "fulfillment, runtime" in check.detail and "(default)" in check.detail


@pytest.mark.django_db
def test_beat_from_its_pulse(operator, client_for) -> None:
    client = client_for(operator)
    assert "never" in _checks(client)["beat"].detail
    record_beat()
    assert _checks(client)["beat"].ok is True
    with time_machine.travel(timezone.now() + timedelta(minutes=4)):
        check = _checks(client)["beat"]
    assert check.ok is False and "stopped" in check.detail


@pytest.mark.django_db
def test_engine_without_a_runtime_worker_falls_back_to_its_last_report(operator,
                                                                      client_for) -> None:
    client = client_for(operator)
    check = _checks(client)["engine"]
    assert check.ok is False and "never reported" in check.detail
    report = _report(age=timedelta(seconds=30))
    check = _checks(client)["engine"]
    assert check.ok is True and "last report from the runtime worker" in check.detail
    assert "2 bots" in check.detail
    EngineReport.objects.filter(pk=report.pk).update(ok=False, error="Docker unreachable")
    check = _checks(client)["engine"]
    assert check.ok is False and "Docker unreachable" in check.detail
    EngineReport.objects.filter(pk=report.pk).update(
        ok=True, checked_at=timezone.now() - timedelta(minutes=5))
    check = _checks(client)["engine"]
    assert check.ok is False and "did not answer" in check.detail


@pytest.mark.django_db
def test_outside_services_red_with_the_error_text(operator, client_for, settings) -> None:
    settings.MERCADOPAGO_ACCESS_TOKEN = ""
    client = client_for(operator)
    client.cookies["vitrine_language"] = "en"
    response = client.get(reverse("admin:ops_diagnostics"))
    checks = {check.key: check for check in response.context["checks"]}
    assert checks["discord"].ok is False and "unreachable" in checks["discord"].detail
    assert checks["mercadopago"].ok is False
    assert "MERCADOPAGO_ACCESS_TOKEN" in checks["mercadopago"].detail
    assert b'data-ok="false"' in response.content


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang", ["pt-br", "en"])
def test_diagnostics_page_in_a_browser(browser, live_server, screenshot, settings,
                                       lang) -> None:
    from tests.conftest import make_user

    make_user("diaguser", is_staff=True, is_superuser=True)
    record_beat()
    context = browser.new_context(viewport={"width": 1360, "height": 860})
    host = live_server.url.split("//")[1].split(":")[0]
    context.add_cookies([{"name": "vitrine_language", "value": lang, "domain": host,
                          "path": "/"}])
    page = context.new_page()
    page.set_default_timeout(20000)
    try:
        with DiscordSandbox() as discord, MercadoPagoSandbox() as mercadopago, \
                real_worker(ALL_QUEUES):
            settings.DISCORD_API_BASE_URL = f"{discord.url}/api"
            settings.MERCADOPAGO_API_BASE_URL = mercadopago.url
            settings.MERCADOPAGO_ACCESS_TOKEN = "TEST-diagnostics"
            settings.DIAGNOSTICS_ENGINE_WAIT_SECONDS = 10
            page.goto(f"{live_server.url}/admin/login/")
            page.fill("#id_username", "diaguser")
            page.fill("#id_password", "pw-diaguser")
            page.click("#login-form [type=submit]")
            page.wait_for_url("**/admin/")
            page.goto(f"{live_server.url}/admin/ops/diagnostics/")
        rows = page.locator("[data-check]")
        assert rows.count() == 7
        assert page.locator("[data-ok=true]").count() == 7
        screenshot(page, f"ops-diagnostics-{lang}")
    finally:
        context.close()
