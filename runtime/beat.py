"""Periodic tasks of this app, merged into CELERY_BEAT_SCHEDULE by config/settings.py.

Plain data only: settings import this module before Django's apps are ready.
"""

from __future__ import annotations

from datetime import timedelta

SCHEDULE: dict[str, dict] = {
    # The safety net under every start/stop/restart: converge desired and observed state.
    "runtime-reconcile": {
        "task": "runtime.tasks.runtime_reconcile",
        "schedule": timedelta(seconds=30),
        "options": {"queue": "runtime", "expires": 25},
    },
}
