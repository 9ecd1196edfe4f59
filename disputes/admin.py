"""Operators' view of disputes (read-only: outcomes move through services, never a form)."""

from __future__ import annotations

from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from disputes.models import CompromisedKey, Dispute
from tenants.admin import TenantScopedAdmin


class CompromisedKeyInline(admin.TabularInline):
    model = CompromisedKey
    extra = 0
    can_delete = False
    fields = ("stock_item", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).unscoped()

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Dispute)
class DisputeAdmin(TenantScopedAdmin, ReadOnlyAdmin):
    list_display = ("opened_at", "tenant", "kind", "provider", "external_id", "amount_cents",
                    "frozen_cents", "state", "deadline_at", "outcome_source")
    list_filter = ("state", "kind", "provider")
    list_select_related = ("tenant",)
    search_fields = ("external_id", "reason", "payment__provider_payment_id", "order__code")
    date_hierarchy = "opened_at"
    ordering = ("state", "deadline_at")
    inlines = [CompromisedKeyInline]
