"""Operators' side of trust: the platform-wide blocklist ("bloqueado pela plataforma") and a
read-only look at reviews. Every add, change and removal goes through trust.services (audited,
the customer mirror kept in sync)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tenants.admin import TenantScopedAdmin
from trust import services
from trust.models import Block, Review


class ScopeFilter(admin.SimpleListFilter):
    title = _("list")
    parameter_name = "scope"

    def lookups(self, request, model_admin):
        return [("platform", _("Platform-wide")), ("shop", _("One shop"))]

    def queryset(self, request, queryset):
        if self.value() == "platform":
            return queryset.filter(tenant__isnull=True)
        if self.value() == "shop":
            return queryset.filter(tenant__isnull=False)
        return queryset


@admin.register(Block)
class BlockAdmin(TenantScopedAdmin):
    list_display = ("__str__", "tenant", "source", "reason", "expires_at", "created_at")
    list_filter = (ScopeFilter, "source")
    list_select_related = ("tenant",)
    search_fields = ("discord_user_id", "payer_email", "reason", "tenant__name")
    raw_id_fields = ("tenant",)
    fields = ("tenant", "discord_user_id", "payer_email", "reason", "expires_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Block | None = None):
        # Who is blocked, and where, is the row's identity: a new block is a new row.
        return ("tenant", "discord_user_id", "payer_email") if obj else ()

    def save_model(self, request: HttpRequest, obj: Block, form, change: bool) -> None:
        source = Block.Source.PLATFORM if obj.tenant_id is None else obj.source
        saved = services.block_add(
            tenant=obj.tenant, discord_user_id=obj.discord_user_id, reason=obj.reason,
            actor=request.user, source=source, expires_at=obj.expires_at,
            payer_email=obj.payer_email)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Block) -> None:
        services.block_remove(block=obj, actor=request.user, reason="removed by an operator")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for block in queryset.select_related("tenant"):
            self.delete_model(request, block)


@admin.register(Review)
class ReviewAdmin(TenantScopedAdmin):
    list_display = ("__str__", "tenant", "stars", "hidden_at", "created_at")
    list_filter = ("stars",)
    list_select_related = ("tenant", "order")
    search_fields = ("order__code", "customer__discord_user_id", "tenant__name")
    readonly_fields = ("tenant", "order", "customer", "products", "stars", "comment", "reply",
                       "replied_at", "hidden_at", "hidden_reason", "channel_message_id",
                       "created_at", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
