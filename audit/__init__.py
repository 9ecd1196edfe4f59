"""Audit trail. `audit.record(...)` is the one way to write an event (DESIGN.md, Contracts)."""

from __future__ import annotations

from typing import Any


def record(*, actor: Any, tenant: Any, action: str, target: Any = None,
           data: dict | None = None) -> Any:
    # Imported lazily so `import audit` works before the app registry is ready.
    from audit.services import audit_event_record

    return audit_event_record(actor=actor, tenant=tenant, action=action, target=target, data=data)
