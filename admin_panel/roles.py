"""Operator roles: "monitor" reads everything, "full" may change everything.

They are plain Django groups kept in sync with the models' permissions after every migrate, so
a new model is covered without anyone remembering to tick boxes. Superusers are always full.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

MONITOR = "Operators: monitor"
FULL = "Operators: full"


def ensure_operator_groups(**kwargs: Any) -> None:
    monitor, _ = Group.objects.get_or_create(name=MONITOR)
    full, _ = Group.objects.get_or_create(name=FULL)
    monitor.permissions.set(Permission.objects.filter(codename__startswith="view_"))
    full.permissions.set(Permission.objects.all())


def operator_role(user: Any) -> str | None:
    if not (user.is_authenticated and user.is_staff and user.is_active):
        return None
    if user.is_superuser or user.groups.filter(name=FULL).exists():
        return "full"
    return "monitor" if user.groups.filter(name=MONITOR).exists() else None
