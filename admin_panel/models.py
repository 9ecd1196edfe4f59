"""Pulses of the platform's own processes, in the database so every process sees them.

The cache is per process in the embedded default (local memory), so a pulse written there by
beat's worker was invisible to the web ("last beat: never" while beat ran).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    name = models.CharField(max_length=40, unique=True)
    seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
