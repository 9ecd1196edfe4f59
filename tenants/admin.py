from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tenants.models import InstanceToken, Membership, Tenant, User


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
