"""Periodic tasks of trust (plain data; merged by config/settings.py)."""

from __future__ import annotations

from celery.schedules import crontab

SCHEDULE: dict[str, dict] = {
    "trust-blocks-expire": {"task": "trust.tasks.blocks_expire",
                            "schedule": crontab(minute="*/5")},
    "trust-review-sweep": {"task": "trust.tasks.review_sweep",
                           "schedule": crontab(minute="*")},
}
