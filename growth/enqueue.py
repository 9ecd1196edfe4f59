"""Enqueue growth's Discord work after the transaction that decided it commits (DESIGN.md
rule 3). A lost enqueue is not an error: the beat sweepers pick the rows up."""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app
from django.db import transaction

log = logging.getLogger(__name__)


def task(name: str) -> Any:
    """A growth task by name: services reach tasks through Celery's registry (tasks import
    services, never the reverse); growth.apps imports growth.tasks in every process."""
    return current_app.tasks[f"growth.tasks.{name}"]


def after_commit(name: str, *args: object, countdown: float | None = None) -> None:
    def send() -> None:
        try:
            task(name).apply_async(args, countdown=countdown)
        except Exception:  # the sweeper re-enqueues what is left behind
            log.warning("could not enqueue %s; the sweeper will", name, exc_info=True)

    transaction.on_commit(send)
