from __future__ import annotations

from celery import shared_task

from admin_panel.services import heartbeat_record


@shared_task(soft_time_limit=5, time_limit=10, ignore_result=True)
def record_beat() -> None:
    """Beat's own pulse, shown on the ops and diagnostics pages so a dead scheduler is noticed."""
    heartbeat_record(name="beat")


def beat_started(sender: object = None, **kwargs: object) -> None:
    """celery.signals.beat_init: the first pulse goes out now, through the broker as usual."""
    record_beat.delay()
