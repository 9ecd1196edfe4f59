"""The Celery app: JSON only, queues default / fulfillment / runtime, beat schedule in settings."""

from __future__ import annotations

import os
from pathlib import Path

import structlog
from celery import Celery
from celery.signals import task_postrun, task_prerun
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("vitrine")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in ("default", "fulfillment", "runtime")]
app.autodiscover_tasks()


def ensure_broker_folders(**kwargs: object) -> None:
    """The filesystem transport needs its folders before the first message is read or written."""
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


# Fires once the settings are read, in every process that uses the app (web, worker, beat).
app.on_after_finalize.connect(ensure_broker_folders)


@task_prerun.connect
def _bind_task_context(task_id: str | None = None, task: object = None, **kwargs: object) -> None:
    # Every log line of a task carries its id and name (DESIGN.md: logs with task id).
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(task_id=task_id, task=getattr(task, "name", None))


@task_postrun.connect
def _clear_task_context(**kwargs: object) -> None:
    structlog.contextvars.clear_contextvars()
