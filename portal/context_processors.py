from __future__ import annotations

from django.http import HttpRequest

from tenants.selectors import memberships_for_user


def portal(request: HttpRequest) -> dict:
    """The tenant switcher's data, for every portal page of a signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "my_memberships": memberships_for_user(user=user),
        "current_tenant": getattr(request, "tenant", None),
        "current_membership": getattr(request, "membership", None),
    }
