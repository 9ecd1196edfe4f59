"""Periodic tasks of memberships, merged into CELERY_BEAT_SCHEDULE by config/settings.py.

Plain data only: settings import this module before Django's apps are ready.
"""

from __future__ import annotations

from celery.schedules import crontab

SCHEDULE: dict[str, dict] = {
    # Picks only rows whose due time passed, each claimed with a conditional UPDATE.
    "memberships-sweep": {"task": "memberships.tasks.memberships_sweep",
                          "schedule": crontab(minute="*")},
}
