from __future__ import annotations

from django import forms
from django.contrib import admin, messages
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
    Plan,
    PlanVersion,
    Subscription,
    SubscriptionCharge,
    SubscriptionEvent,
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


# --- Plans and billing -------------------------------------------------------------------------
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
    list_display = ("name", "slug", "sort", "is_trial")
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
        from tenants.billing.quotas import BillingError
        from tenants.billing.services import subscription_extend_manual

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
