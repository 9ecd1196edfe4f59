"""Access helpers: 404 for missing and foreign alike, 403 (with a reason) for a too-low role.

Like Healthchecks' `_get_check_for_user`: a view never learns whether another shop's object
exists.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import structlog
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from tenants.models import Membership, Role, Tenant
from tenants.selectors import membership_get

M = TypeVar("M", bound=models.Model)

ROLE_NAMES = {Role.VIEWER: Role.VIEWER.label, Role.MANAGER: Role.MANAGER.label,
              Role.OWNER: Role.OWNER.label}


def get_membership_or_404(*, user: Any, slug: str, role: str = Role.VIEWER) -> Membership:
    membership = membership_get(user=user, slug=slug) if user.is_authenticated else None
    if membership is None:
        raise Http404(_("Instance not found."))
    if not membership.allows(role):
        raise PermissionDenied(
            _("This needs the %(role)s role in %(tenant)s; ask the instance owner.")
            % {"role": ROLE_NAMES[Role(role)], "tenant": membership.tenant.name}
        )
    return membership


def get_for_tenant_or_404(model: type[M], *, tenant: Tenant, **lookup: Any) -> M:
    obj = model._default_manager.filter(tenant=tenant, **lookup).first()
    if obj is None:
        raise Http404(_("Not found."))
    return obj


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def refuse_writes_when_read_only(request: HttpRequest, tenant: Tenant) -> None:
    """A suspended (or archived) instance is read-only: writes get a 403 saying what to do."""
    if request.method in SAFE_METHODS or tenant.is_writable:
        return
    if tenant.status == Tenant.Status.SUSPENDED:
        raise PermissionDenied(_("%(tenant)s is suspended because its plan expired, so the "
                                 "portal is read-only. Pay the plan on the Plan page to resume "
                                 "everything.") % {"tenant": tenant.name})
    raise PermissionDenied(_("%(tenant)s is archived and read-only.") % {"tenant": tenant.name})


def tenant_view(role: str = Role.VIEWER, *, allow_read_only: bool = False) -> Callable:
    """Decorate a view taking `slug`: sets request.tenant and request.membership, or 404/403.

    Writes (non-GET) to a suspended or archived instance are refused here, centrally; only the
    billing payment views pass `allow_read_only=True` (paying is how a suspension ends).
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = get_membership_or_404(user=request.user, slug=slug, role=role)
            if not allow_read_only:
                refuse_writes_when_read_only(request, membership.tenant)
            request.membership = membership
            request.tenant = membership.tenant
            request.session["current_tenant"] = membership.tenant.slug
            structlog.contextvars.bind_contextvars(tenant_id=membership.tenant_id)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
