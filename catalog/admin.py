from __future__ import annotations

from django.contrib import admin

from catalog.models import (
    Coupon,
    MessageTemplate,
    Product,
    ProductPost,
    StockItem,
    Variant,
    VariantPrice,
)
from tenants.admin import TenantScopedAdmin


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = ("label", "emoji", "price_cents", "fulfillment", "role_id", "is_active")

    def get_queryset(self, request):
        return super().get_queryset(request).unscoped()


@admin.register(Product)
class ProductAdmin(TenantScopedAdmin):
    list_display = ("name", "tenant", "category", "is_active", "sort_order", "updated_at")
    list_filter = ("is_active",)
    list_select_related = ("tenant",)
    search_fields = ("name", "category", "tenant__name", "tenant__slug")
    raw_id_fields = ("tenant",)
    inlines = [VariantInline]


class VariantPriceInline(admin.TabularInline):
    """Read-only: owners set these in the portal's variant editor (audited there)."""

    model = VariantPrice
    extra = 0
    fields = ("currency", "amount_cents")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).unscoped()


@admin.register(Variant)
class VariantAdmin(TenantScopedAdmin):
    inlines = [VariantPriceInline]
    list_display = ("label", "product", "tenant", "price_cents", "fulfillment", "is_active")
    list_filter = ("fulfillment", "is_active")
    list_select_related = ("product", "tenant")
    search_fields = ("label", "product__name", "tenant__name")
    raw_id_fields = ("tenant", "product")
    exclude = ("content", "external_secret")  # secrets stay out of the admin


@admin.register(StockItem)
class StockItemAdmin(TenantScopedAdmin):
    list_display = ("id", "variant", "tenant", "status", "order_ref", "created_at", "sold_at")
    list_filter = ("status",)
    list_select_related = ("variant__product", "tenant")
    search_fields = ("variant__label", "variant__product__name", "tenant__name", "=order_ref")
    raw_id_fields = ("tenant", "product", "variant")
    exclude = ("content",)  # operators never read buyers' keys
    readonly_fields = ("fingerprint",)


@admin.register(Coupon)
class CouponAdmin(TenantScopedAdmin):
    list_display = ("code", "tenant", "kind", "value", "max_uses", "is_active", "ends_at")
    list_filter = ("kind", "is_active")
    list_select_related = ("tenant",)
    search_fields = ("code", "tenant__name")
    raw_id_fields = ("tenant", "products", "variants")


@admin.register(MessageTemplate)
class MessageTemplateAdmin(TenantScopedAdmin):
    list_display = ("kind", "locale", "tenant", "updated_at")
    list_filter = ("kind", "locale")
    list_select_related = ("tenant",)
    search_fields = ("tenant__name",)
    raw_id_fields = ("tenant",)


@admin.register(ProductPost)
class ProductPostAdmin(TenantScopedAdmin):
    list_display = ("product", "tenant", "channel_id", "message_id", "refreshed_at",
                    "needs_refresh")
    list_filter = ("needs_refresh",)
    list_select_related = ("product", "tenant")
    search_fields = ("product__name", "tenant__name", "channel_id", "message_id")
    raw_id_fields = ("tenant", "product")
