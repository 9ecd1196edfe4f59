"""Periodic tasks of this app, merged into CELERY_BEAT_SCHEDULE by config/settings.py.

Plain data only: settings import this module before Django's apps are ready.
"""

from __future__ import annotations

from celery.schedules import crontab

SCHEDULE: dict[str, dict] = {
    "sales-sweep-carts": {"task": "sales.tasks.sweep_carts", "schedule": crontab(minute="*")},
    "sales-sweep-orders": {"task": "sales.tasks.sweep_orders", "schedule": crontab(minute="*")},
    "sales-deliver-sweep": {"task": "sales.tasks.deliver_sweep", "schedule": crontab(minute="*")},
    "sales-role-expiry": {"task": "sales.tasks.role_expiry_sweep",
                          "schedule": crontab(minute="*")},
    "sales-role-reminders": {"task": "sales.tasks.role_reminder_sweep",
                             "schedule": crontab(minute="*/15")},
}
