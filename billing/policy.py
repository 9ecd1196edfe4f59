"""Billing's settings, read in one place (services and selectors both use them)."""

from __future__ import annotations

from django.conf import settings


def trial_days() -> int:
    return int(getattr(settings, "BILLING_TRIAL_DAYS", 3))


def grace_days() -> int:
    return int(getattr(settings, "BILLING_GRACE_DAYS", 2))
