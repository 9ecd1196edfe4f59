"""Enqueue fulfillment work after the transaction that created it commits (DESIGN.md rule 3).

A lost enqueue (broker down) is not an error: the beat sweepers pick the rows up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import current_app
from django.db import transaction

log = logging.getLogger(__name__)


def task(name: str) -> Any:
    """A sales task by name. Tasks import services, never the reverse (HackSoft's rule), so
    services reach them through Celery's registry; sales.apps imports sales.tasks at startup,
    so every process has them registered."""
    return current_app.tasks[f"sales.tasks.{name}"]


def _after_commit(send: Callable[[], object]) -> None:
    def safely() -> None:
        try:
            send()
        except Exception:  # the sweeper re-enqueues what is left behind
            log.warning("could not enqueue fulfillment work; the sweeper will", exc_info=True)

    transaction.on_commit(safely)


def enqueue_order(tenant_id: int, order_id: int) -> None:
    _after_commit(lambda: task("deliver_order").delay(tenant_id, order_id))


def enqueue_delivery(tenant_id: int, delivery_id: int) -> None:
    _after_commit(lambda: task("deliver_delivery").delay(tenant_id, delivery_id))


def enqueue_resend(tenant_id: int, delivery_id: int) -> None:
    _after_commit(lambda: task("deliver_again").delay(tenant_id, delivery_id))


def enqueue_revoke(tenant_id: int, order_id: int) -> None:
    _after_commit(lambda: task("role_revoke_order").delay(tenant_id, order_id))


def enqueue_payment_notice(tenant_id: int, order_id: int, outcome: str) -> None:
    _after_commit(lambda: task("deliver_payment_notice").delay(tenant_id, order_id, outcome))
