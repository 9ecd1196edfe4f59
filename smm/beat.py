"""Periodic tasks of this app (plain data; merged by config/settings.py)."""

from __future__ import annotations

from celery.schedules import crontab

SCHEDULE: dict[str, dict] = {
    # Cheap when nothing is due: one indexed query on next_check_at.
    "smm-status-sweep": {"task": "smm.tasks.status_sweep", "schedule": crontab(minute="*")},
}
