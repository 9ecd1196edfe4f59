"""Template context processor for the billing banner (portal/_billing_banner.html).

Register "billing.context.billing" in TEMPLATES' context_processors; base.html then
includes "portal/_billing_banner.html". It needs `request.tenant` (set by tenant_view).
"""

from __future__ import annotations

from django.http import HttpRequest

from billing.selectors import banner_for


def billing(request: HttpRequest) -> dict:
    tenant = getattr(request, "tenant", None)
    if tenant is None or not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"billing_banner": banner_for(tenant=tenant)}
