"""Periodic tasks of this app, merged into CELERY_BEAT_SCHEDULE by config/settings.py.

Plain data only: settings import this module before Django's apps are ready.
"""

from __future__ import annotations

from celery.schedules import crontab

SCHEDULE: dict[str, dict] = {
    # Each pass is idempotent (claims with conditional UPDATEs), so overlaps are harmless.
    "billing-reminders": {"task": "billing.tasks.billing_reminders",
                                  "schedule": crontab(minute="5")},
    "billing-expire": {"task": "billing.tasks.billing_expire",
                               "schedule": crontab(minute="*/10")},
    "billing-suspend": {"task": "billing.tasks.billing_suspend",
                                "schedule": crontab(minute="*/10")},
}
