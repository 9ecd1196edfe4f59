from __future__ import annotations

from django.http import HttpRequest

from payments import connect
from tenants.selectors import memberships_for_user


def portal(request: HttpRequest) -> dict:
    """The tenant switcher's data, for every portal page of a signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    tenant = getattr(request, "tenant", None)
    return {
        "my_memberships": memberships_for_user(user=user),
        "current_tenant": tenant,
        "current_membership": getattr(request, "membership", None),
        # The shop sells on its own Mercado Pago account and lost it: banner on every page.
        "mp_connection_problem": connect.checkout_blocker(tenant) if tenant else None,
    }
