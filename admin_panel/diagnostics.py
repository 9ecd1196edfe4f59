"""Health of everything the platform depends on, for the operators' diagnostics page.

Each check runs with a short timeout and reports green or red with the error text; a failing
dependency never breaks the page.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import requests
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.celery import app as celery_app

TIMEOUT = 3


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool | None  # None: not used in this deployment
    detail: str
    ms: float
    checked_at: datetime


def _postgres() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql"
                       else "SELECT sqlite_version()")
        return str(cursor.fetchone()[0]).split(" on ")[0]


def _redis() -> str | None:
    if not settings.REDIS_URL:
        return None
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=TIMEOUT)
    return f"Redis {client.info('server')['redis_version']}"


def _celery_workers() -> str | None:
    if not settings.CELERY_BROKER_URL.startswith(("redis", "amqp")):
        return None  # the filesystem broker cannot broadcast a ping
    replies = celery_app.control.ping(timeout=1.0) or []
    if not replies:
        raise RuntimeError(_("no worker answered the ping"))
    return ", ".join(sorted(name for reply in replies for name in reply))


def _docker() -> str | None:
    if settings.RUNTIME_BACKEND == "process":
        return None
    import docker

    client = docker.DockerClient(base_url=settings.DOCKER_HOST, timeout=TIMEOUT)
    return f"Docker {client.version()['Version']}"


def _mercadopago() -> str | None:
    if not settings.MERCADOPAGO_ACCESS_TOKEN:
        raise RuntimeError(_("MERCADOPAGO_ACCESS_TOKEN is not set"))
    headers = {"Authorization": f"Bearer {settings.MERCADOPAGO_ACCESS_TOKEN}"}
    response = requests.get(f"{settings.MERCADOPAGO_API_BASE_URL}/v1/payments/search",
                            params={"limit": 1}, timeout=TIMEOUT, headers=headers)
    if response.status_code in (401, 403):
        status = response.status_code
        raise RuntimeError(_("credentials refused (HTTP %(status)s)") % {"status": status})
    response.raise_for_status()
    return _("credentials accepted")


def _discord() -> str:
    response = requests.get(f"{settings.DISCORD_API_BASE_URL}/v10/gateway", timeout=TIMEOUT)
    response.raise_for_status()
    return response.json().get("url", "")


CHECKS: list[tuple[str, Callable[[], str | None]]] = [
    ("PostgreSQL", _postgres), ("Redis", _redis), (str(_("Celery workers")), _celery_workers),
    ("Docker", _docker), ("Mercado Pago", _mercadopago), ("Discord API", _discord),
]


def run_checks() -> list[CheckResult]:
    return [_run(name, check) for name, check in CHECKS]


def _run(name: str, check: Callable[[], str | None]) -> CheckResult:
    started = time.perf_counter()
    try:
        detail = check()
        ok = None if detail is None else True
        detail = detail if detail is not None else str(_("not used in this deployment"))
    except Exception as exc:  # a diagnostic reports every failure as text, never raises
        ok, detail = False, f"{exc.__class__.__name__}: {exc}"[:300]
    return CheckResult(name=name, ok=ok, detail=detail,
                       ms=round((time.perf_counter() - started) * 1000, 1),
                       checked_at=timezone.now())
