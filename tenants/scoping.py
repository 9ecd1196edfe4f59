"""Fail-closed tenant scoping for tenant-owned models.

A tenant-owned model's default manager returns querysets that refuse to run unless they are
scoped: filtered by `tenant` (`.for_tenant(t)`, or any `filter(tenant=...)` /
`filter(tenant__in=...)`), reached through a related object (`product.variants.all()`, whose
parent was itself loaded scoped), or marked `.unscoped()` by code that works across tenants on
purpose (admin, beat sweepers). Forgetting the filter raises instead of leaking another shop's
rows (the idea of PostHog's `posthog/models/scoping/` and pretix's django-scopes).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.lookups import Exact, In
from django.db.models.sql.where import AND, WhereNode
from django.utils.translation import gettext_lazy as _


class TenantScopeError(RuntimeError):
    """A tenant-owned query ran without a tenant filter and without `.unscoped()`."""


class TenantScopedQuerySet(models.QuerySet):
    _scope_open = False

    def for_tenant(self, tenant: Any) -> TenantScopedQuerySet:
        return self.filter(tenant=tenant)

    def unscoped(self) -> TenantScopedQuerySet:
        """Cross-tenant access, said by name (admin, sweepers, reconciliation)."""
        clone = self._chain()
        clone._scope_open = True
        return clone

    def _clone(self) -> TenantScopedQuerySet:
        clone = super()._clone()
        clone._scope_open = self._scope_open
        return clone

    def _add_hints(self, **hints: Any) -> None:
        # Related managers pass the parent instance as a hint: the query is then bounded by a
        # parent that was itself loaded through a scoped query.
        super()._add_hints(**hints)
        if hints.get("instance") is not None:
            self._scope_open = True

    def _check_scope(self) -> None:
        if self._scope_open or _filters_on_tenant(self.query.where, self.model):
            return
        raise TenantScopeError(
            f"{self.model.__name__} query without a tenant: use .for_tenant(tenant), "
            "go through a related object, or say .unscoped() for cross-tenant work."
        )

    def _fetch_all(self) -> None:
        if self._result_cache is None:
            self._check_scope()
        super()._fetch_all()

    def iterator(self, *args: Any, **kwargs: Any):
        self._check_scope()
        return super().iterator(*args, **kwargs)

    def count(self) -> int:
        if self._result_cache is None:
            self._check_scope()
        return super().count()

    def exists(self) -> bool:
        if self._result_cache is None:
            self._check_scope()
        return super().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict:
        self._check_scope()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        self._check_scope()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._check_scope()
        return super().delete()

    def in_bulk(self, *args: Any, **kwargs: Any) -> dict:
        self._check_scope()
        return super().in_bulk(*args, **kwargs)


def _filters_on_tenant(where: WhereNode, model: type[models.Model]) -> bool:
    """True when the top-level AND of the WHERE clause pins the `tenant` column."""
    if where.negated or where.connector != AND:
        return False
    for child in where.children:
        if isinstance(child, WhereNode):
            if _filters_on_tenant(child, model):
                return True
        elif isinstance(child, Exact | In) and _is_tenant_column(child.lhs, model):
            return True
    return False


def _is_tenant_column(expression: Any, model: type[models.Model]) -> bool:
    target = getattr(expression, "target", None)
    return target is not None and target.name == "tenant" and target.model is model


class TenantScopedManager(models.Manager.from_queryset(TenantScopedQuerySet)):
    pass


class TenantOwnedModel(models.Model):
    """Base for every model a tenant owns: a `tenant` FK and the fail-closed manager."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE,
                               related_name="%(app_label)s_%(class)s_set",
                               verbose_name=_("instance"))

    objects = TenantScopedManager()

    class Meta:
        # Django's cascades and forward FK access use the base manager, which stays plain.
        abstract = True
