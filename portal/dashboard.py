"""The Painel's figures, read from each app's data (the portal has no business rules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product
from runtime.models import Desired
from runtime.selectors import runtime_get
from sales.models import Order, OrderStatus
from tenants.models import Tenant
from wallet.selectors import balances

PAID_STATES = [OrderStatus.PAID, OrderStatus.ON_HOLD, OrderStatus.DELIVERING, OrderStatus.DELIVERED,
               OrderStatus.PARTIALLY_DELIVERED, OrderStatus.DELIVERY_FAILED]


@dataclass(frozen=True)
class Step:
    done: bool
    label: str
    url: str


def _since(moment: datetime) -> Q:
    return Q(status__in=PAID_STATES, paid_at__gte=moment)


def dashboard_context(*, tenant: Tenant) -> dict:
    now = timezone.localtime()
    day_start = timezone.make_aware(datetime.combine(now.date(), time.min))
    month_start = day_start.replace(day=1)
    orders = Order.objects.for_tenant(tenant)
    figures = orders.aggregate(
        # In the shop's currency only: a Stripe sale in dollars is not added to reais.
        today_cents=Sum("total_cents", filter=_since(day_start) & Q(currency=tenant.currency),
                        default=0),
        month_orders=Count("id", filter=_since(month_start)),
    )
    runtime = runtime_get(tenant=tenant)
    has_product = Product.objects.for_tenant(tenant).exists()
    return {
        "sales_today_cents": figures["today_cents"],
        "orders_this_month": figures["month_orders"],
        "available_cents": balances(tenant=tenant).available,
        "runtime": runtime,
        "recent_orders": orders.select_related("customer").order_by("-created_at")[:5],
        "steps": [
            Step(True, _("Create your instance"), ""),
            Step(bool(runtime and runtime.discord_token), _("Save your Discord bot token"),
                 "portal:bot"),
            Step(has_product, _("Add your first product"), "portal:shop"),
            Step(bool(runtime and runtime.desired_state == Desired.RUNNING),
                 _("Start your bot"), "portal:bot"),
        ],
    }
