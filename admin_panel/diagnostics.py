"""Health of everything the platform depends on, for the operators' diagnostics page.

Each check runs with a short timeout and reports green or red with the error text; a failing
dependency never breaks the page. Every readout comes from the thing itself: the database's
vendor and version from the live connection, the workers from a broadcast ping answered by each
of them, beat from the pulse it writes, the bots' engine from the runtime worker (the only
process with the engine's socket), which is asked on its queue and answers in the database.
Outside services are reached through the modules that wrap them, never with raw HTTP here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from admin_panel.selectors import beat_last_seen
from payments.providers import mercadopago
from runtime.selectors import engine_report_latest
from runtime.tasks import runtime_engine_check
from sales.fulfillment import discord_rest

TIMEOUT = 3
BEAT_STALE = timedelta(minutes=3)  # beat pulses every minute
REPORT_STALE = timedelta(seconds=90)  # the controller reports on every pass (30 s)


class CheckFailed(RuntimeError):
    """A check's own verdict; the message is shown to the operator as is."""


@dataclass(frozen=True)
class CheckResult:
    key: str  # stable, for tests and the page's data-check attribute
    name: str
    ok: bool | None  # None: not used in this deployment
    detail: str
    ms: float
    checked_at: datetime


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _database(conn: BaseDatabaseWrapper | None = None) -> str:
    """Vendor and version of the live connection (what the server itself says)."""
    conn = conn or connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        elif conn.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
        else:
            return conn.display_name
        version = str(cursor.fetchone()[0]).split(" ")[0]
    return f"{conn.display_name} {version}"


def _redis() -> str | None:
    if not settings.REDIS_URL:
        return None
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=TIMEOUT)
    return f"Redis {client.info('server')['redis_version']}"


def _celery_workers() -> str:
    """Every worker answers a broadcast with the queues it consumes; each queue needs one."""
    # The Celery app through a task of ours (config.celery sits above the UI apps).
    control = runtime_engine_check.app.control
    replies = control.inspect(timeout=1.0).active_queues() or {}
    if not replies:
        raise CheckFailed(_("no worker answered the ping within 1 second"))
    served = {queue["name"] for queues in replies.values() for queue in queues or []}
    missing = [name for name in settings.CELERY_TASK_QUEUES_NAMES if name not in served]
    workers = ", ".join(
        f"{name} ({', '.join(sorted(q['name'] for q in queues or []))})"
        for name, queues in sorted(replies.items()))
    if missing:
        raise CheckFailed(_("no worker consumes the queue(s) %(queues)s; answered: %(workers)s")
                          % {"queues": ", ".join(missing), "workers": workers})
    count = len(replies)
    return ngettext("%(count)d worker: %(workers)s", "%(count)d workers: %(workers)s",
                    count) % {"count": count, "workers": workers}


def _beat() -> str:
    seen = beat_last_seen()
    if seen is None:
        raise CheckFailed(_("beat has never reported (is `celery beat` running?)"))
    if timezone.now() - seen > BEAT_STALE:
        raise CheckFailed(_("last pulse %(when)s: beat seems stopped") % {"when": _when(seen)})
    return _("last pulse %(when)s") % {"when": _when(seen)}


def _engine_wait() -> float:
    return float(getattr(settings, "DIAGNOSTICS_ENGINE_WAIT_SECONDS", TIMEOUT))


def _runtime_engine() -> str:
    """Ask the runtime worker for an engine check; without an answer, its last report."""
    asked = timezone.now()
    runtime_engine_check.apply_async(queue="runtime", expires=10)
    deadline, tick = time.monotonic() + _engine_wait(), threading.Event()
    report = engine_report_latest()
    while (report is None or report.checked_at < asked) and time.monotonic() < deadline:
        tick.wait(0.1)
        report = engine_report_latest()
    if report is None:
        raise CheckFailed(_("the runtime worker did not answer and has never reported"))
    fresh = report.checked_at >= asked
    if not fresh and asked - report.checked_at > REPORT_STALE:
        raise CheckFailed(_("the runtime worker did not answer; its last report is from "
                            "%(when)s") % {"when": _when(report.checked_at)})
    if not report.ok:
        raise CheckFailed(_("%(backend)s engine failing: %(error)s")
                          % {"backend": report.backend, "error": report.error})
    detail = report.version or report.backend
    if report.bots is not None:
        detail += " · " + ngettext("%(count)d bot", "%(count)d bots", report.bots) % {
            "count": report.bots}
    if not fresh:
        detail += " · " + _("last report from the runtime worker, %(when)s") % {
            "when": _when(report.checked_at)}
    return detail


def _mercadopago() -> str:
    try:
        mercadopago.search_by_reference("vitrine-diagnostics")
    except mercadopago.ProviderError as exc:
        if exc.status in (401, 403):
            raise CheckFailed(_("credentials refused (HTTP %(status)s)")
                              % {"status": exc.status}) from exc
        raise CheckFailed(str(exc)) from exc
    return _("credentials accepted")


def _discord() -> str:
    try:
        return discord_rest.gateway_url(timeout=TIMEOUT)
    except discord_rest.DiscordError as exc:
        raise CheckFailed(str(exc)) from exc


CHECKS: list[tuple[str, object, Callable[[], str | None]]] = [
    ("database", gettext_lazy("Database"), _database),
    ("redis", "Redis", _redis),
    ("workers", gettext_lazy("Celery workers"), _celery_workers),
    ("beat", "Celery beat", _beat),
    ("engine", gettext_lazy("Bot runtime engine"), _runtime_engine),
    ("mercadopago", "Mercado Pago", _mercadopago),
    ("discord", "Discord API", _discord),
]


def run_checks() -> list[CheckResult]:
    return [_run(key, str(name), check) for key, name, check in CHECKS]


def _run(key: str, name: str, check: Callable[[], str | None]) -> CheckResult:
    started = time.perf_counter()
    try:
        detail = check()
        ok = None if detail is None else True
        detail = detail if detail is not None else _("not used in this deployment")
    except CheckFailed as exc:
        ok, detail = False, str(exc)[:300]
    except Exception as exc:  # a diagnostic reports every failure as text, never raises
        ok, detail = False, f"{exc.__class__.__name__}: {exc}"[:300]
    return CheckResult(key=key, name=name, ok=ok, detail=detail,
                       ms=round((time.perf_counter() - started) * 1000, 1),
                       checked_at=timezone.now())
