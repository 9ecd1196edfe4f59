"""Enqueue trust's Discord work after the transaction that caused it commits (tasks by name,
so services never import tasks; a lost enqueue is picked up by the sweep)."""

from __future__ import annotations

import logging

from celery import current_app
from django.db import transaction

log = logging.getLogger(__name__)


def _after_commit(name: str, *args: int) -> None:
    def send() -> None:
        try:
            current_app.tasks[f"trust.tasks.{name}"].delay(*args)
        except Exception:  # the sweep re-enqueues what is left behind
            log.warning("trust.enqueue_failed task=%s", name, exc_info=True)

    transaction.on_commit(send)


def enqueue_review_request(tenant_id: int, request_id: int) -> None:
    _after_commit("review_request_send", tenant_id, request_id)


def enqueue_review_publish(tenant_id: int, review_id: int) -> None:
    _after_commit("review_publish", tenant_id, review_id)
