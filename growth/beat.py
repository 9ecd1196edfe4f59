"""Periodic tasks of this app, merged into CELERY_BEAT_SCHEDULE by config/settings.py.

Plain data only: settings import this module before Django's apps are ready.
"""

from __future__ import annotations

from celery.schedules import crontab

SCHEDULE: dict[str, dict] = {
    "growth-recovery-sweep": {"task": "growth.tasks.recovery_sweep",
                              "schedule": crontab(minute="*")},
    "growth-feed-sweep": {"task": "growth.tasks.feed_sweep", "schedule": crontab(minute="*")},
    "growth-events-rollup": {"task": "growth.tasks.events_rollup",
                             "schedule": crontab(minute=17, hour=3)},
}
