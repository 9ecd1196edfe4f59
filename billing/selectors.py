"""Reads for the Plano page, the banner and the admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from billing.policy import grace_days
from tenants import quotas
from tenants.models import (
    Plan,
    PlanVersion,
    Subscription,
    SubscriptionCharge,
    SubscriptionEvent,
    Tenant,
)


def subscription_for_tenant(*, tenant: Tenant) -> Subscription | None:
    return (Subscription.objects.for_tenant(tenant)
            .select_related("plan_version__plan", "next_version__plan").first())


def plans_on_sale() -> list[PlanVersion]:
    """The current version of every plan, in ladder order (the comparison table)."""
    versions = []
    for plan in Plan.objects.prefetch_related("versions").order_by("sort", "pk"):
        current = max((v for v in plan.versions.all() if v.active), default=None,
                      key=lambda v: v.version)
        if current is not None:
            versions.append(current)
    return versions


@dataclass(frozen=True)
class UsageRow:
    quota: str
    label: str
    used: int
    limit: int | None

    @property
    def percent(self) -> int:
        if not self.limit:
            return 0
        return min(100, round(100 * self.used / self.limit))

    @property
    def level(self) -> str:
        if self.limit is not None and self.used > self.limit:
            return "danger"
        return "warn" if self.percent >= 80 else "ok"


def usage_rows(*, tenant: Tenant) -> list[UsageRow]:
    f = quotas.features(tenant)
    names = quotas.quota_names()
    return [UsageRow(quota=q, label=str(names[q]), used=quotas._used(tenant, q),
                     limit=f.limit(q)) for q in quotas.QUOTAS]


def charges_for(*, tenant: Tenant) -> QuerySet[SubscriptionCharge]:
    return (SubscriptionCharge.objects.for_tenant(tenant)
            .select_related("plan_version__plan").order_by("-created_at"))


def events_for(*, tenant: Tenant) -> QuerySet[SubscriptionEvent]:
    return SubscriptionEvent.objects.for_tenant(tenant).order_by("-created_at", "-pk")


@dataclass(frozen=True)
class Banner:
    level: str  # "warn" or "danger"
    kind: str   # "trial_ending", "ending", "past_due", "suspended", "canceled"
    days_left: int
    subscription: Subscription


def banner_for(*, tenant: Tenant) -> Banner | None:
    sub = subscription_for_tenant(tenant=tenant)
    if sub is None:
        return None
    now = timezone.now()
    left = sub.current_period_end - now
    days = max(0, -(-int(left.total_seconds()) // 86400))  # ceil
    S = Subscription.Status
    if sub.status == S.SUSPENDED or tenant.status == Tenant.Status.SUSPENDED:
        return Banner("danger", "suspended", 0, sub)
    if sub.status == S.CANCELED:
        return Banner("danger", "canceled", 0, sub)
    if sub.status == S.PAST_DUE:

        grace_end = sub.current_period_end + timedelta(days=grace_days())
        grace_left = max(0, -(-int((grace_end - now).total_seconds()) // 86400))
        return Banner("danger", "past_due", grace_left, sub)
    if left <= timedelta(days=3) and not sub.cancel_at_period_end:
        kind = "trial_ending" if sub.status == S.TRIALING else "ending"
        return Banner("warn", kind, days, sub)
    return None


# --- Plan changes: what choosing a version means for a subscription --------------------------
NONE, CURRENT, SCHEDULED, SUBSCRIBE, UPGRADE, DOWNGRADE = (
    "none", "current", "scheduled", "subscribe", "upgrade", "downgrade")


def paid_period_running(sub: Subscription, now: datetime | None = None) -> bool:
    """A paid plan with time left: changing plan now is an upgrade or a scheduled downgrade."""
    now = now or timezone.now()
    return (sub.status == Subscription.Status.ACTIVE and sub.current_period_end > now
            and not sub.plan_version.plan.is_trial)


def plan_change(*, subscription: Subscription | None, version: PlanVersion,
                now: datetime | None = None) -> str:
    """The one rule for the Plan page's buttons and for checkout (services._plan_charge):
    a dearer plan during a paid period is an upgrade (prorated, at once), a cheaper one a
    downgrade (at renewal); otherwise buying a version is a new subscription."""
    sub = subscription
    if sub is None or version.plan.is_trial:
        return CURRENT if sub and version.pk == sub.plan_version_id else NONE
    if version.pk == sub.plan_version_id:
        return CURRENT
    if sub.next_version_id == version.pk:
        return SCHEDULED
    if not paid_period_running(sub, now):
        return SUBSCRIBE
    return UPGRADE if version.price_cents > sub.plan_version.price_cents else DOWNGRADE

