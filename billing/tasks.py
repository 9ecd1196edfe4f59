"""Celery tasks of billing (thin: each calls one service)."""

from __future__ import annotations

from celery import shared_task

from billing import services


@shared_task(time_limit=300, soft_time_limit=240)
def billing_reminders() -> int:
    return services.send_reminders()


@shared_task(time_limit=300, soft_time_limit=240)
def billing_expire() -> int:
    return services.expire_due()


@shared_task(time_limit=300, soft_time_limit=240)
def billing_suspend() -> int:
    return services.suspend_overdue()
