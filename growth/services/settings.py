"""The shop's growth settings: read with defaults, saved with an audit event."""

from __future__ import annotations

from typing import Any

from django.db import transaction

import audit
from growth.models import GrowthSettings
from tenants.models import Tenant


def settings_for(tenant: Tenant | int) -> GrowthSettings:
    """The shop's settings row, or an unsaved one holding the defaults (everything off)."""
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    row = GrowthSettings.objects.for_tenant(tenant_id).first()
    return row or GrowthSettings(tenant_id=tenant_id)


@transaction.atomic
def settings_save(*, tenant: Tenant, actor: Any, **fields: Any) -> GrowthSettings:
    row, _created = GrowthSettings.objects.for_tenant(tenant).update_or_create(
        tenant=tenant, defaults=fields)
    audit.record(actor=actor, tenant=tenant, action="growth.settings", target=row,
                 data={k: v for k, v in fields.items() if isinstance(v, bool | int | str)})
    return row
