"""Periodic tasks of this app (plain data; merged by config/settings.py)."""

from __future__ import annotations

from celery.schedules import crontab

SCHEDULE: dict[str, dict] = {
    "developer-webhook-sweep": {"task": "developer.tasks.sweep", "schedule": crontab(minute="*")},
}
