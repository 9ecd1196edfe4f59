from __future__ import annotations

from typing import Any

from django.db import models

from audit.models import AuditEvent


def audit_event_record(*, actor: Any, tenant: Any, action: str, target: Any = None,
                       data: dict | None = None) -> AuditEvent:
    """Write one audit event; anonymous actors (webhooks, beat) are stored as no actor."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        tenant=tenant,
        action=action,
        target_type=_target_type(target),
        target_id=str(target.pk) if isinstance(target, models.Model) else "",
        target_repr=str(target)[:200] if target is not None else "",
        data=data or {},
    )


def _target_type(target: Any) -> str:
    if isinstance(target, models.Model):
        return target._meta.label_lower
    return "" if target is None else type(target).__name__
