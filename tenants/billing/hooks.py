"""The seam between billing and the bot runtime.

Billing sits in tenants/, below runtime/ (apps depend downwards, DESIGN.md), so it imports
`runtime.services.runtime_set_desired` lazily, by name. Where the runtime app is absent (or
older than that contract) these calls are no-ops and say so in the log. A refusal by the runtime
(e.g. no Discord token yet, so the bot cannot start) never undoes the payment or suspension
that asked for it: it is logged and the owner starts the bot from the portal.
"""

from __future__ import annotations

import importlib

import structlog
from django.db import transaction

from tenants.models import Tenant, User

log = structlog.get_logger(__name__)


def set_bot_desired(*, tenant: Tenant, state: str, reason: str, actor: User | None = None,
                    ) -> bool:
    """Ask the runtime to run or stop the tenant's bot. True when the runtime took it."""
    try:
        services = importlib.import_module("runtime.services")
    except ImportError:
        services = None
    func = getattr(services, "runtime_set_desired", None)
    if func is None:
        log.warning("billing.runtime_unavailable", tenant_id=tenant.pk, state=state)
        return False
    try:
        with transaction.atomic():
            func(tenant=tenant, state=state, reason=reason, actor=actor)
    except ValueError as error:  # RuntimeServiceError: a rule refused, with a user message
        log.warning("billing.runtime_refused", tenant_id=tenant.pk, state=state,
                    error=str(error))
        return False
    return True


def stop_bot(*, tenant: Tenant, reason: str = "plan expired") -> bool:
    return set_bot_desired(tenant=tenant, state="stopped", reason=reason)


def start_bot(*, tenant: Tenant, reason: str = "plan renewed") -> bool:
    return set_bot_desired(tenant=tenant, state="running", reason=reason)


def bot_desired_state(*, tenant: Tenant) -> str | None:
    """What the runtime was asked for ("running"/"stopped"); None without a runtime app."""
    from django.apps import apps

    try:
        model = apps.get_model("runtime", "BotRuntime")
    except LookupError:
        return None
    row = model.objects.for_tenant(tenant).first()
    return row.desired_state if row else "stopped"  # no row: the bot was never started
