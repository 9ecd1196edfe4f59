"""Bots as local processes live and die with the controller worker (the process backend only).

`make run` supervises web, worker, beat and the sandboxes with honcho; the bots run in their own
sessions (runtime/backends/process.py), out of reach of honcho's signals. So the worker that
consumes the "runtime" queue (the controller) stops them itself when it is asked to shut down,
and sweeps strays when it starts: bots it still has records for are adopted, marked processes
without a record are stopped, and a reconcile pass starts what should run.
"""

from __future__ import annotations

from typing import Any

import structlog
from django.conf import settings

log = structlog.get_logger(__name__)
_controller = {"on": False}


def _process_backend() -> Any | None:
    if settings.RUNTIME_BACKEND != "process":
        return None
    from runtime.backends import get_backend

    return get_backend()


def worker_after_setup(sender: str | None = None, instance: Any = None, **kwargs: Any) -> None:
    """celery.signals.celeryd_after_setup: is this worker the controller? Then sweep."""
    queues = set(instance.app.amqp.queues.consume_from or {}) if instance is not None else set()
    backend = _process_backend()
    if backend is None or "runtime" not in queues:
        return
    _controller["on"] = True
    swept = backend.sweep()
    log.info("runtime.process_sweep", **swept)
    from runtime.tasks import runtime_reconcile

    runtime_reconcile.delay()  # bring back what should run now, not at the next beat


def worker_shutting_down(sender: str | None = None, **kwargs: Any) -> None:
    """celery.signals.worker_shutting_down (main process, on SIGTERM/SIGINT): stop the bots
    before the supervisor's kill timeout (honcho: 5 s)."""
    backend = _process_backend()
    if backend is None or not _controller["on"]:
        return
    stopped = backend.stop_all()
    log.info("runtime.process_bots_stopped", count=stopped)


def connect() -> None:
    from celery.signals import celeryd_after_setup
    from celery.signals import worker_shutting_down as shutting_down

    celeryd_after_setup.connect(worker_after_setup, dispatch_uid="runtime.process_sweep")
    shutting_down.connect(worker_shutting_down, dispatch_uid="runtime.process_stop")
