"""Thin Celery tasks: call one service each (routes: settings.CELERY_TASK_ROUTES)."""

from __future__ import annotations

from celery import shared_task

from sales.services import sweeps


@shared_task(time_limit=60, soft_time_limit=50)
def sweep_carts() -> int:
    return sweeps.carts_expire()


@shared_task(time_limit=110, soft_time_limit=100)
def sweep_orders() -> int:
    return sweeps.orders_expire()
