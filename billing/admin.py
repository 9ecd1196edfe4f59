"""Operators' admin for plans and subscriptions (the models live in tenants/, the rules here)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from billing.services import subscription_extend_manual
from tenants.admin import TenantScopedAdmin
from tenants.models import Plan, PlanVersion, Subscription, SubscriptionCharge, SubscriptionEvent
from tenants.quotas import BillingError


class PlanVersionInline(admin.StackedInline):
    model = PlanVersion
    extra = 0
    show_change_link = True
    fields = (("version", "active"), ("price_cents", "currency", "interval", "interval_count"),
              ("max_instances", "max_active_products", "max_orders_per_month"),
              ("fee_percent", "hold_days_pix", "hold_days_card"), ("memory_mb", "cpu"),
              ("card_payments", "external_fulfillment"))


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("__str__", "slug", "sort", "is_trial")
    list_editable = ("sort",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = [PlanVersionInline]


@admin.register(PlanVersion)
class PlanVersionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "price_cents", "interval", "interval_count", "active",
                    "max_active_products", "fee_percent")
    list_filter = ("active", "plan")
    list_select_related = ("plan",)

    def get_readonly_fields(self, request: HttpRequest, obj: PlanVersion | None = None):
        # Prices are versioned: an existing version's price stays what its subscribers bought.
        return ("price_cents", "interval", "interval_count") if obj else ()


class SubscriptionEventInline(admin.TabularInline):
    model = SubscriptionEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "from_status", "to_status", "period_end", "actor", "data")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).unscoped()


class SubscriptionForm(forms.ModelForm):
    extend_days = forms.IntegerField(label=_("Extend by (days)"), required=False, min_value=1,
                                     max_value=366)
    comp_version = forms.ModelChoiceField(label=_("Comp: switch to version"), required=False,
                                          queryset=PlanVersion.objects.select_related("plan"))
    reason = forms.CharField(label=_("Reason (audited)"), required=False, max_length=300)

    class Meta:
        model = Subscription
        fields: list[str] = []

    def clean(self) -> dict:
        data = super().clean()
        acting = data.get("extend_days") or data.get("comp_version")
        if acting and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the subscription is extended."))
        return data


@admin.register(Subscription)
class SubscriptionAdmin(TenantScopedAdmin):
    form = SubscriptionForm
    list_display = ("tenant", "plan_version", "status", "current_period_end",
                    "cancel_at_period_end", "next_version")
    list_filter = ("status", "plan_version__plan", "cancel_at_period_end")
    list_select_related = ("tenant", "plan_version__plan", "next_version__plan")
    search_fields = ("tenant__name", "tenant__slug", "tenant__owner__email")
    date_hierarchy = "current_period_end"
    readonly_fields = ("tenant", "plan_version", "status", "current_period_start",
                       "current_period_end", "cancel_at_period_end", "next_version",
                       "created_at")
    fieldsets = ((None, {"fields": readonly_fields}),
                 (_("Manual extension or comp"), {"fields": ("extend_days", "comp_version",
                                                             "reason")}))
    inlines = [SubscriptionEventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # subscriptions start with their instance

    def save_model(self, request: HttpRequest, obj: Subscription, form, change: bool) -> None:
        data = form.cleaned_data
        if not (data.get("extend_days") or data.get("comp_version")):
            return
        try:
            subscription_extend_manual(subscription=obj, actor=request.user,
                                       days=data.get("extend_days") or 0,
                                       reason=data["reason"], version=data.get("comp_version"))
        except BillingError as error:
            messages.error(request, str(error))


@admin.register(SubscriptionCharge)
class SubscriptionChargeAdmin(TenantScopedAdmin):
    list_display = ("created_at", "tenant", "kind", "plan_version", "amount_cents",
                    "payment_pk", "applied_at")
    list_filter = ("kind", ("applied_at", admin.EmptyFieldListFilter))
    list_select_related = ("tenant", "plan_version__plan")
    search_fields = ("tenant__name", "payment_pk")
    readonly_fields = ("tenant", "subscription", "kind", "plan_version", "amount_cents",
                       "payment_pk", "applied_at", "period_end_after", "created_by",
                       "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
