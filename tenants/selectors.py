"""Reads for tenants."""

from __future__ import annotations

from django.db.models import QuerySet

from tenants.models import InstanceToken, Membership, Tenant, User


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    """Every instance the user belongs to, for the switcher and the instances page."""
    return (Membership.objects.unscoped().filter(user=user)
            .select_related("tenant").order_by("tenant__name"))


def membership_get(*, user: User, slug: str) -> Membership | None:
    return (Membership.objects.unscoped().select_related("tenant")
            .filter(user=user, tenant__slug=slug).first())


def tenant_members(*, tenant: Tenant) -> QuerySet[Membership]:
    return Membership.objects.for_tenant(tenant).select_related("user").order_by("created_at")


def instance_tokens(*, tenant: Tenant) -> QuerySet[InstanceToken]:
    return InstanceToken.objects.for_tenant(tenant).select_related("created_by")
