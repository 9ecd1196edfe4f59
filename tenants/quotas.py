"""What a tenant's plan allows, and the quota checks other apps call from their services.

    from tenants.quotas import quota_check, features
    quota_check(tenant=tenant, quota="active_products", adding=1)   # raises QuotaExceeded
    features(tenant).fee_percent                                      # Decimal("4.99")
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tenants.models import PlanVersion, Subscription, Tenant, UsageCounter

ORDERS_PER_MONTH = "orders_per_month"
ACTIVE_PRODUCTS = "active_products"
INSTANCES = "instances"
QUOTAS = (ORDERS_PER_MONTH, ACTIVE_PRODUCTS, INSTANCES)


class BillingError(ValueError):
    """A billing request the rules refuse; the message is shown to the user as is."""


class QuotaExceeded(BillingError):
    def __init__(self, message: str, *, quota: str, limit: int, used: int) -> None:
        super().__init__(message)
        self.quota, self.limit, self.used = quota, limit, used


@dataclass(frozen=True)
class Features:
    max_instances: int | None
    max_active_products: int | None
    max_orders_per_month: int | None
    fee_percent: Decimal
    hold_days_pix: int
    hold_days_card: int
    memory_mb: int
    cpu: Decimal
    card_payments: bool
    external_fulfillment: bool

    @classmethod
    def of(cls, version: PlanVersion) -> Features:
        return cls(**{f.name: getattr(version, f.name) for f in fields(cls)})

    def limit(self, quota: str) -> int | None:
        return {ORDERS_PER_MONTH: self.max_orders_per_month,
                ACTIVE_PRODUCTS: self.max_active_products,
                INSTANCES: self.max_instances}[quota]


# Used when a tenant has no subscription (created before billing, or test data without the
# seeded plans): the Free trial's limits, so nothing is unlimited by accident.
FALLBACK = Features(max_instances=1, max_active_products=20, max_orders_per_month=100,
                    fee_percent=Decimal("5.00"), hold_days_pix=1, hold_days_card=7,
                    memory_mb=256, cpu=Decimal("0.25"), card_payments=False,
                    external_fulfillment=False)


def features(tenant: Tenant) -> Features:
    """The features and quotas of the tenant's current plan version."""
    sub = (Subscription.objects.for_tenant(tenant).select_related("plan_version").first())
    return Features.of(sub.plan_version) if sub else FALLBACK


def fee_percent(tenant: Tenant) -> Decimal:
    return features(tenant).fee_percent


def hold_days(tenant: Tenant, *, method: str) -> int:
    """Withdrawal hold for a sale paid with `method` ("pix" or "card")."""
    f = features(tenant)
    return f.hold_days_card if method == "card" else f.hold_days_pix


def bot_resources(tenant: Tenant) -> tuple[int, Decimal]:
    """(memory in MB, CPUs) for the tenant's bot container."""
    f = features(tenant)
    return f.memory_mb, f.cpu


def current_period(now: date | None = None) -> date:
    today = now or timezone.localdate()
    return today.replace(day=1)


def usage_get(*, tenant: Tenant, metric: str, period: date | None = None) -> int:
    row = (UsageCounter.objects.for_tenant(tenant)
           .filter(metric=metric, period=period or current_period()).first())
    return row.value if row else 0


@transaction.atomic
def usage_record(*, tenant: Tenant, metric: str, delta: int = 1) -> int:
    """Add `delta` to this month's counter (orders: +1 per order created). Race-free upsert."""
    period = current_period()
    counter, created = UsageCounter.objects.for_tenant(tenant).get_or_create(
        tenant=tenant, metric=metric, period=period, defaults={"value": delta})
    if not created:
        UsageCounter.objects.for_tenant(tenant).filter(pk=counter.pk).update(
            value=F("value") + delta)
    return usage_get(tenant=tenant, metric=metric, period=period)


@transaction.atomic
def usage_set(*, tenant: Tenant, metric: str, value: int) -> None:
    """Record a gauge (active products, instances) for this month."""
    UsageCounter.objects.for_tenant(tenant).update_or_create(
        tenant=tenant, metric=metric, period=current_period(), defaults={"value": value})


def owner_instance_count(tenant: Tenant) -> int:
    return Tenant.objects.filter(owner_id=tenant.owner_id).exclude(
        status=Tenant.Status.ARCHIVED).count()


def _used(tenant: Tenant, quota: str) -> int:
    if quota == INSTANCES:
        return owner_instance_count(tenant)
    if quota == ACTIVE_PRODUCTS:  # a gauge: its latest reading holds until the count changes
        row = (UsageCounter.objects.for_tenant(tenant).filter(metric=quota)
               .order_by("-period").first())
        return row.value if row else 0
    return usage_get(tenant=tenant, metric=quota)


def quota_message(quota: str, limit: int) -> str:
    if quota == ACTIVE_PRODUCTS:
        text = ngettext("Your plan allows %(limit)d active product.",
                        "Your plan allows %(limit)d active products.", limit)
    elif quota == ORDERS_PER_MONTH:
        text = ngettext("Your plan allows %(limit)d order per month.",
                        "Your plan allows %(limit)d orders per month.", limit)
    else:
        text = ngettext("Your plan allows %(limit)d instance per account.",
                        "Your plan allows %(limit)d instances per account.", limit)
    return (text % {"limit": limit}) + " " + _("Upgrade on the Plan page to get more.")


def quota_check(*, tenant: Tenant, quota: str, adding: int = 1, current: int | None = None,
                ) -> None:
    """Raise QuotaExceeded when `adding` more would pass the plan's limit.

    `current` is the caller's live count (e.g. active products counted by catalog); without it
    the metered counter is used (orders this month) or the owner's instances are counted.
    """
    if quota not in QUOTAS:
        raise ValueError(f"unknown quota {quota!r}")
    limit = features(tenant).limit(quota)
    if limit is None:
        return
    used = _used(tenant, quota) if current is None else current
    if used + adding > limit:
        raise QuotaExceeded(quota_message(quota, limit), quota=quota, limit=limit, used=used)


def quota_names() -> dict[str, str]:
    return {ACTIVE_PRODUCTS: _("active products"), ORDERS_PER_MONTH: _("orders this month"),
            INSTANCES: _("instances")}


def usage_violations(*, tenant: Tenant, version: PlanVersion) -> list[str]:
    """What current usage exceeds on `version`, one line per quota (empty when it fits)."""
    target = Features.of(version)
    names = quota_names()
    problems = []
    for quota in QUOTAS:
        limit, used = target.limit(quota), _used(tenant, quota)
        if limit is not None and used > limit:
            problems.append(_("%(used)d %(what)s in use, %(plan)s allows %(limit)d")
                            % {"used": used, "what": names[quota],
                               "plan": version.plan.display_name, "limit": limit})
    return problems
