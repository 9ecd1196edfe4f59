"""Periodic tasks of this app, merged into CELERY_BEAT_SCHEDULE by config/settings.py."""

from __future__ import annotations

from celery.schedules import crontab

SCHEDULE: dict[str, dict] = {
    # After wallet's hold releases (same cadence): commissions of released sales are paid.
    "affiliates-release-commissions": {
        "task": "affiliates.tasks.release_commissions",
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 540},
    },
}
