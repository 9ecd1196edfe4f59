"""Periodic tasks of this app, merged into CELERY_BEAT_SCHEDULE by config/settings.py.

Plain data only: settings import this module before Django's apps are ready.
"""

from __future__ import annotations

from celery.schedules import crontab

SCHEDULE: dict[str, dict] = {
    # Holds are per sale with a release time; every 10 minutes keeps "1 day" close to a day.
    "wallet-release-holds": {
        "task": "wallet.tasks.release_holds",
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 540},
    },
    # Quiet hours (America/Sao_Paulo by default): the check reads the whole ledger.
    "wallet-verify-ledger": {
        "task": "wallet.tasks.verify_ledger",
        "schedule": crontab(hour=3, minute=17),
        "options": {"expires": 3600},
    },
}
