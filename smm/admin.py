from __future__ import annotations

from django.contrib import admin

from smm.models import Panel, PanelOrder, Refill, ServiceMapping
from tenants.admin import TenantScopedAdmin


@admin.register(Panel)
class PanelAdmin(TenantScopedAdmin):
    list_display = ("tenant", "url", "balance", "balance_currency", "balance_checked_at")
    raw_id_fields = ("tenant",)
    exclude = ("api_key",)  # secrets stay out of the admin


@admin.register(ServiceMapping)
class ServiceMappingAdmin(TenantScopedAdmin):
    list_display = ("variant", "tenant", "service_id", "quantity_per_unit", "refill")
    raw_id_fields = ("tenant", "variant")


@admin.register(PanelOrder)
class PanelOrderAdmin(TenantScopedAdmin):
    list_display = ("id", "tenant", "order", "panel_order_id", "status", "remains",
                    "next_check_at", "refund_state", "refund_cents")
    list_filter = ("status", "refund_state")
    raw_id_fields = ("tenant", "delivery", "order")
    # The link is a buyer's answer; shown, but never editable here.
    readonly_fields = ("link",)


@admin.register(Refill)
class RefillAdmin(TenantScopedAdmin):
    list_display = ("id", "tenant", "panel_order", "panel_refill_id", "status", "next_check_at")
    raw_id_fields = ("tenant", "panel_order")
