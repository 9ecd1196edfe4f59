from __future__ import annotations

from django.contrib import admin

from developer.models import ApiKey, WebhookDelivery, WebhookEndpoint
from tenants.admin import TenantScopedAdmin


@admin.register(ApiKey)
class ApiKeyAdmin(TenantScopedAdmin):
    list_display = ("name", "tenant", "prefix", "created_at", "last_used_at", "revoked_at")
    raw_id_fields = ("tenant",)
    exclude = ("key_hash",)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(TenantScopedAdmin):
    list_display = ("url", "tenant", "is_active", "created_at")
    raw_id_fields = ("tenant",)
    exclude = ("secret", "previous_secret")  # secrets stay out of the admin


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(TenantScopedAdmin):
    list_display = ("id", "tenant", "event", "state", "attempts", "last_status",
                    "next_attempt_at")
    list_filter = ("state", "event")
    raw_id_fields = ("tenant", "endpoint")
