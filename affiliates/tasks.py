"""Thin Celery tasks for affiliates."""

from __future__ import annotations

from celery import shared_task

from affiliates import services


@shared_task(soft_time_limit=240, time_limit=300, ignore_result=True)
def release_commissions() -> int:
    return services.commissions_release_run()
