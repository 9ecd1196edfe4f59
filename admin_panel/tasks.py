from __future__ import annotations

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from admin_panel.selectors import BEAT_CACHE_KEY


@shared_task(soft_time_limit=5, time_limit=10, ignore_result=True)
def record_beat() -> None:
    """Beat's own pulse, shown on the ops page so a dead scheduler is noticed."""
    cache.set(BEAT_CACHE_KEY, timezone.now().isoformat(), timeout=None)
