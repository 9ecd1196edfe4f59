"""Operators' view of payments, refunds and the stored webhook events (read-only: money moves
through services, never through a form)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

import audit
from audit.admin import ReadOnlyAdmin
from payments.models import MercadoPagoConnection, Payment, Refund, WebhookEvent
from payments.services import payment_reconcile_one
from tenants.admin import TenantScopedAdmin


class _ReadOnlyScoped(TenantScopedAdmin, ReadOnlyAdmin):
    pass


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = ("created_at", "amount_cents", "partial", "source", "actor", "reason",
              "provider_refund_id")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).unscoped()

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(_ReadOnlyScoped):
    list_display = ("created_at", "tenant", "method", "amount_cents", "currency", "status",
                    "status_detail", "provider_payment_id")
    list_filter = ("status", "method", "provider")
    list_select_related = ("tenant",)
    search_fields = ("public_id", "provider_payment_id", "preference_id", "review_reason")
    date_hierarchy = "created_at"
    inlines = [RefundInline]
    actions = ["resync"]

    @admin.action(description=_("Re-sync from Mercado Pago"), permissions=["view"])
    def resync(self, request: HttpRequest, queryset: QuerySet) -> None:
        """Re-read each payment from the provider and apply its truth (idempotent)."""
        if not request.user.has_perm("payments.change_payment"):
            raise PermissionDenied
        for payment in queryset.select_related("tenant"):
            audit.record(actor=request.user, tenant=payment.tenant, action="payment.resync",
                         target=payment, data={"status_before": payment.status})
            payment_reconcile_one(payment=payment)
        self.message_user(request, _("Payments re-read from Mercado Pago."), messages.SUCCESS)


@admin.register(Refund)
class RefundAdmin(_ReadOnlyScoped):
    list_display = ("created_at", "tenant", "payment", "amount_cents", "partial", "source",
                    "actor")
    list_filter = ("source", "partial")
    list_select_related = ("tenant", "payment", "actor")


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "topic", "action", "data_id", "state", "attempts",
                    "legacy_ipn", "payment")
    list_filter = ("state", "topic", "legacy_ipn")
    search_fields = ("event_id", "data_id", "request_id")
    date_hierarchy = "received_at"


@admin.register(MercadoPagoConnection)
class MercadoPagoConnectionAdmin(_ReadOnlyScoped):
    """Shops' own Mercado Pago accounts (payments.connect). The encrypted tokens never show."""

    list_display = ("tenant", "mp_user_id", "status", "expires_at", "refreshed_at",
                    "connected_at")
    list_filter = ("status", "live_mode")
    search_fields = ("tenant__slug", "mp_user_id")
    fields = ("tenant", "mp_user_id", "status", "status_reason", "public_key", "scope",
              "live_mode", "expires_at", "connected_by", "connected_at", "refreshed_at")
    readonly_fields = fields
