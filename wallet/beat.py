"""Periodic tasks of this app, merged into CELERY_BEAT_SCHEDULE by config/settings.py.

Plain data only: settings import this module before Django's apps are ready.
"""

from __future__ import annotations

SCHEDULE: dict[str, dict] = {}
