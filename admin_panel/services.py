"""Writes of the ops pages' own records."""

from __future__ import annotations

from django.utils import timezone

from admin_panel.models import Heartbeat


def heartbeat_record(*, name: str) -> Heartbeat:
    heartbeat, _created = Heartbeat.objects.update_or_create(
        name=name, defaults={"seen_at": timezone.now()})
    return heartbeat
