from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.admin import action_with_reason
from catalog.models import Fulfillment
from money import format_money
from sales.errors import SalesError
from sales.models import Cart, Customer, Delivery, Order, OrderEvent, OrderLine
from sales.services.customers import customer_set_blocked
from sales.services.refunds import RefundActor, order_refund
from tenants.admin import TenantScopedAdmin


class _UnscopedInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).unscoped()

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class OrderLineInline(_UnscopedInline):
    model = OrderLine
    fields = ("product_name", "variant_label", "quantity", "unit_price", "discount",
              "line_total", "delivery_type")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("unit price"))
    def unit_price(self, obj: OrderLine) -> str:
        return format_money(obj.unit_price_cents, obj.order.currency)

    @admin.display(description=gettext_lazy("discount"))
    def discount(self, obj: OrderLine) -> str:
        return format_money(obj.discount_cents, obj.order.currency)

    @admin.display(description=gettext_lazy("line total"))
    def line_total(self, obj: OrderLine) -> str:
        return format_money(obj.line_total_cents, obj.order.currency)

    @admin.display(description=gettext_lazy("delivery type"))
    def delivery_type(self, obj: OrderLine) -> str:
        return Fulfillment(obj.fulfillment).label if obj.fulfillment in Fulfillment.values \
            else obj.fulfillment


class OrderEventInline(_UnscopedInline):
    model = OrderEvent
    fields = ("at", "actor_label", "from_label", "to_label", "sentence", "note")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("from status"))
    def from_label(self, obj: OrderEvent) -> str:
        return obj.from_label

    @admin.display(description=gettext_lazy("to status"))
    def to_label(self, obj: OrderEvent) -> str:
        return obj.to_label

    @admin.display(description=gettext_lazy("what happened"))
    def sentence(self, obj: OrderEvent) -> str:
        return obj.sentence

    @admin.display(description=gettext_lazy("note"))
    def note(self, obj: OrderEvent) -> str:
        return obj.note

    @admin.display(description=gettext_lazy("who"))
    def actor_label(self, obj: OrderEvent) -> str:
        return obj.actor_label


class DeliveryInline(_UnscopedInline):
    model = Delivery
    fields = ("kind", "state", "role_id", "expires_at", "attempts", "last_error")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(TenantScopedAdmin):
    """Read-only: order state changes only through services (payments, the portal)."""

    list_display = ("code", "tenant_link", "customer", "status", "total_cents", "created_at",
                    "payments_link")
    list_filter = ("status", "payment_method")
    list_select_related = ("tenant", "customer")
    search_fields = ("code", "tenant__name", "customer__discord_user_id",
                     "customer__display_name")
    date_hierarchy = "created_at"
    raw_id_fields = ("tenant", "customer", "cart", "coupon")
    readonly_fields = ("status", "subtotal_cents", "discount_cents", "total_cents", "paid_at")
    inlines = [OrderLineInline, OrderEventInline, DeliveryInline]
    actions = ["refund"]

    def has_add_permission(self, request) -> bool:
        return False

    @action_with_reason(_("Refund the selected orders in full"))
    def refund(self, request: HttpRequest, queryset: QuerySet, reason: str) -> str:
        """The same service as the portal and /reembolsar; what it refuses is listed."""
        done, refused = 0, []
        for order in queryset.select_related("tenant", "customer"):
            try:
                order_refund(order=order, by=RefundActor.operator(request.user), reason=reason)
            except SalesError as exc:
                refused.append(f"{order.code}: {exc.message()}")
            else:
                done += 1
        message = _("%(count)d order(s) refunded.") % {"count": done}
        return " ".join([message, *refused])

    @admin.display(description=gettext_lazy("instance"), ordering="tenant__name")
    def tenant_link(self, order: Order) -> str:
        url = reverse("admin:tenants_tenant_change", args=[order.tenant_id])
        return format_html('<a href="{}">{}</a>', url, order.tenant.name)

    @admin.display(description=gettext_lazy("payments"))
    def payments_link(self, order: Order) -> str:
        # Payments point at their payable generically; the list filters on that pointer.
        url = reverse("admin:payments_payment_changelist")
        return format_html('<a href="{}?payable_id={}">{}</a>', url, order.pk, _("payments"))


@admin.register(Customer)
class CustomerAdmin(TenantScopedAdmin):
    list_display = ("__str__", "discord_user_id", "tenant", "is_blocked", "lifetime_spend_cents",
                    "last_purchase_at")
    list_filter = ("is_blocked",)
    list_select_related = ("tenant",)
    search_fields = ("discord_user_id", "display_name", "tenant__name")
    raw_id_fields = ("tenant",)
    actions = ["block", "unblock"]

    @action_with_reason(_("Block the selected buyers"))
    def block(self, request: HttpRequest, queryset: QuerySet, reason: str) -> str:
        return _set_blocked(request, queryset, reason, blocked=True)

    @action_with_reason(_("Unblock the selected buyers"))
    def unblock(self, request: HttpRequest, queryset: QuerySet, reason: str) -> str:
        return _set_blocked(request, queryset, reason, blocked=False)


def _set_blocked(request: HttpRequest, queryset: QuerySet, reason: str, *, blocked: bool) -> str:
    customers = list(queryset.select_related("tenant"))
    for customer in customers:
        customer_set_blocked(customer=customer, actor=request.user, blocked=blocked,
                             reason=reason)
    return _("%(count)d buyer(s) updated.") % {"count": len(customers)}


@admin.register(Cart)
class CartAdmin(TenantScopedAdmin):
    list_display = ("id", "tenant", "customer", "status", "expires_at", "updated_at")
    list_filter = ("status",)
    list_select_related = ("tenant", "customer")
    search_fields = ("customer__discord_user_id", "tenant__name")
    raw_id_fields = ("tenant", "customer", "coupon")


@admin.register(Delivery)
class DeliveryAdmin(TenantScopedAdmin):
    list_display = ("id", "order_link", "tenant", "kind", "state", "attempts", "last_error",
                    "created_at")
    list_filter = ("kind", "state")
    list_select_related = ("order", "tenant")
    search_fields = ("order__code", "tenant__name", "role_id")
    raw_id_fields = ("tenant", "order", "line")
    actions = ["rerun"]

    @admin.display(description=gettext_lazy("order"), ordering="order__code")
    def order_link(self, delivery: Delivery) -> str:
        url = reverse("admin:sales_order_change", args=[delivery.order_id])
        return format_html('<a href="{}">{}</a>', url, delivery.order.code)

    @admin.action(description=gettext_lazy("Re-run the selected failed deliveries"),
                  permissions=["change"])
    def rerun(self, request: HttpRequest, queryset: QuerySet) -> None:
        from sales.fulfillment.services import delivery_retry

        done = sum(bool(delivery_retry(delivery=d, actor=request.user))
                   for d in queryset.select_related("order", "tenant"))
        self.message_user(request, _("%(count)d delivery(ies) queued again.") % {"count": done})
