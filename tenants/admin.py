from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

import audit
from audit.admin import action_with_reason
from tenants.models import (
    InstanceToken,
    Membership,
    Tenant,
    User,
)
from tenants.services import instance_token_rotate, tenant_set_status


class TenantScopedAdmin(admin.ModelAdmin):
    """Operators see every tenant: the admin is cross-tenant by name, never by accident."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).unscoped()


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "first_name", "is_staff", "date_joined", "last_login")
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Preferences"), {"fields": ("preferred_language",)}))


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).unscoped()


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "owner", "status", "locale", "created_at")
    list_filter = ("status", "locale")
    list_select_related = ("owner",)
    search_fields = ("name", "slug", "owner__username", "owner__email")
    date_hierarchy = "created_at"
    raw_id_fields = ("owner",)
    inlines = [MembershipInline]
    actions = ["suspend", "unsuspend", "rotate_tokens"]

    @action_with_reason(gettext_lazy("Suspend the selected shops"))
    def suspend(self, request: HttpRequest, queryset: QuerySet, reason: str) -> str:
        changed = sum(tenant_set_status(tenant=t, status=Tenant.Status.SUSPENDED,
                                        actor=request.user, reason=reason) for t in queryset)
        return gettext("%(count)d shop(s) suspended.") % {"count": changed}

    @action_with_reason(gettext_lazy("Reactivate the selected shops"))
    def unsuspend(self, request: HttpRequest, queryset: QuerySet, reason: str) -> str:
        changed = sum(tenant_set_status(tenant=t, status=Tenant.Status.ACTIVE,
                                        actor=request.user, reason=reason) for t in queryset)
        return gettext("%(count)d shop(s) reactivated.") % {"count": changed}

    @action_with_reason(gettext_lazy("Rotate the bot API keys of the selected shops"))
    def rotate_tokens(self, request: HttpRequest, queryset: QuerySet, reason: str) -> str:
        # The runtime notices the revoked key and reissues its own on the next pass.
        for tenant in queryset:
            audit.record(actor=request.user, tenant=tenant, action="instance_token.rotate",
                         target=tenant, data={"reason": reason})
            instance_token_rotate(tenant=tenant, actor=request.user)
        return gettext("Keys rotated; the new keys are shown to nobody.")


@admin.register(Membership)
class MembershipAdmin(TenantScopedAdmin):
    list_display = ("tenant", "user", "role", "created_at")
    list_filter = ("role",)
    list_select_related = ("tenant", "user")
    search_fields = ("tenant__name", "user__username", "user__email")
    raw_id_fields = ("tenant", "user")


@admin.register(InstanceToken)
class InstanceTokenAdmin(TenantScopedAdmin):
    list_display = ("__str__", "tenant", "name", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("tenant",)
    list_filter = ("revoked_at",)
    search_fields = ("tenant__name", "lookup")
    readonly_fields = ("lookup", "secret_hash", "created_by", "created_at", "last_used_at")
