"""The seam between billing and the bot runtime.

Billing sits above runtime/ (DESIGN.md, layers) and calls `runtime.services.runtime_set_desired`,
the contract billing is named in. A refusal by the runtime (e.g. no Discord token yet, so the bot
cannot start) never undoes the payment or suspension that asked for it: it is logged and the
owner starts the bot from the portal.
"""

from __future__ import annotations

import structlog
from django.db import transaction

from runtime import services
from runtime.models import BotRuntime
from tenants.models import Tenant, User

log = structlog.get_logger(__name__)


def set_bot_desired(*, tenant: Tenant, state: str, reason: str, actor: User | None = None,
                    ) -> bool:
    """Ask the runtime to run or stop the tenant's bot. True when the runtime took it."""
    try:
        with transaction.atomic():
            services.runtime_set_desired(tenant=tenant, state=state, reason=reason, actor=actor)
    except services.RuntimeServiceError as error:  # a rule refused, with a user message
        log.warning("billing.runtime_refused", tenant_id=tenant.pk, state=state,
                    error=str(error))
        return False
    return True


def stop_bot(*, tenant: Tenant, reason: str = "plan expired") -> bool:
    return set_bot_desired(tenant=tenant, state="stopped", reason=reason)


def start_bot(*, tenant: Tenant, reason: str = "plan renewed") -> bool:
    return set_bot_desired(tenant=tenant, state="running", reason=reason)


def bot_desired_state(*, tenant: Tenant) -> str:
    """What the runtime was asked for: "running" or "stopped" (no row: never started)."""
    row = BotRuntime.objects.for_tenant(tenant).only("desired_state").first()
    return row.desired_state if row else "stopped"
