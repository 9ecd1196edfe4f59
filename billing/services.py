"""Writes for plans and billing: trial, checkout, approval, reminders, expiry, suspension.

Lifecycle: trialing/active --(period end)--> past_due --(grace)--> suspended (tenant read-only;
the runtime controller stops its bot). An approved plan payment makes it active again and
resumes the tenant, and its bot if the owner wants it running.
Every change writes a SubscriptionEvent and an audit record.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from billing import notify, selectors
from billing.policy import grace_days, trial_days
from runtime.services import runtime_reconcile_soon
from tenants.models import (
    PlanVersion,
    Subscription,
    SubscriptionCharge,
    SubscriptionEvent,
    Tenant,
    TrialClaim,
    User,
)
from tenants.quotas import BillingError, usage_violations

log = structlog.get_logger(__name__)
S = Subscription.Status
LIVE = (S.TRIALING, S.ACTIVE)


def interval_delta(version: PlanVersion) -> relativedelta:
    if version.interval == PlanVersion.Interval.DAY:
        return relativedelta(days=version.interval_count)
    return relativedelta(months=version.interval_count)


def trial_keys(user: User) -> list[str]:
    """Once per Discord account (whatever email or user it comes back with), and once per user
    (so unlinking Discord does not give a second trial)."""
    from allauth.socialaccount.models import SocialAccount

    uids = SocialAccount.objects.filter(user=user, provider="discord").values_list("uid",
                                                                                    flat=True)
    return [f"user:{user.pk}", *(f"discord:{uid}" for uid in uids)]


def _event(sub: Subscription, kind: str, *, actor: User | None = None, from_status: str = "",
           data: dict | None = None) -> SubscriptionEvent:
    return SubscriptionEvent.objects.create(
        tenant_id=sub.tenant_id, subscription=sub, kind=kind, from_status=from_status,
        to_status=sub.status, period_end=sub.current_period_end, actor=actor, data=data or {})


def _locked(sub: Subscription) -> Subscription:
    return (Subscription.objects.for_tenant(sub.tenant_id).select_for_update()
            .select_related("tenant", "plan_version__plan").get(pk=sub.pk))


# --- Trial -----------------------------------------------------------------------------------
def _trial_version() -> PlanVersion | None:
    return (PlanVersion.objects.filter(plan__is_trial=True, active=True)
            .select_related("plan").order_by("-version").first())


@transaction.atomic
def subscription_start(*, tenant: Tenant) -> Subscription | None:
    """Called when an instance is created: the trial, if this account never had one.

    Without a trial left the instance starts past due on the trial's limits: it can be set up
    during the grace period and needs a paid plan to keep running.
    """
    version = _trial_version()
    if version is None:  # plans not seeded (e.g. a flushed test database): stay on defaults
        log.warning("billing.no_trial_plan", tenant_id=tenant.pk)
        return None
    now = timezone.now()
    try:
        with transaction.atomic():
            for key in trial_keys(tenant.owner):
                TrialClaim.objects.create(key=key, tenant=tenant)
        status, end = S.TRIALING, now + timedelta(days=trial_days())
    except IntegrityError:
        status, end = S.PAST_DUE, now
    sub = Subscription.objects.create(tenant=tenant, plan_version=version, status=status,
                                      current_period_start=now, current_period_end=end)
    _event(sub, "trial.start" if status == S.TRIALING else "trial.used")
    audit.record(actor=None, tenant=tenant, action="subscription.start", target=sub,
                 data={"status": status, "version": version.pk, "period_end": end.isoformat()})
    return sub


def on_tenant_created(sender, *, tenant: Tenant, **kwargs) -> None:
    """tenants.signals.tenant_created receiver: every new instance starts on the trial."""
    subscription_start(tenant=tenant)


# --- Checkout --------------------------------------------------------------------------------
def _refuse_closed(sub: Subscription) -> None:
    if sub.status == S.CANCELED or sub.tenant.status == Tenant.Status.ARCHIVED:
        raise BillingError(_("This instance's plan was canceled and cannot be renewed. "
                             "Create a new instance or contact support."))


def _buyable(version: PlanVersion) -> PlanVersion:
    if not version.active or version.plan.is_trial:
        raise BillingError(_("This plan version is no longer on sale. "
                             "Choose one of the current plans."))
    return version


def renewal_version(sub: Subscription) -> PlanVersion:
    """The version a renewal buys: the scheduled downgrade, else the current one while on sale,
    else its plan's current version (a price change applies at renewal)."""
    version = sub.next_version or sub.plan_version
    if version.active and not version.plan.is_trial:
        return version
    current = version.plan.current_version()
    if current is None or current.plan.is_trial:
        raise BillingError(_("Choose a paid plan to continue."))
    return current


def prorated_cents(sub: Subscription, version: PlanVersion, now: datetime | None = None) -> int:
    """Price difference for the rest of the paid time (at least one centavo)."""
    now = now or timezone.now()
    end = sub.current_period_end
    full = end - (end - interval_delta(sub.plan_version))
    remaining = max(end - now, timedelta(0))
    diff = version.price_cents - sub.plan_version.price_cents
    return max(1, round(diff * remaining / full))


def _plan_charge(sub: Subscription, version: PlanVersion | None) -> tuple[str, PlanVersion, int]:
    if version is None:
        target = renewal_version(sub)
        kind = (SubscriptionCharge.Kind.RENEWAL if target.plan_id == sub.plan_version.plan_id
                else SubscriptionCharge.Kind.SUBSCRIBE)
        return kind, target, target.price_cents
    target = _buyable(version)
    if selectors.paid_period_running(sub) and target.pk != sub.plan_version_id:
        if target.price_cents <= sub.plan_version.price_cents:
            raise BillingError(_("A cheaper plan starts at the end of the period: "
                                 "use “Switch at renewal”."))
        return SubscriptionCharge.Kind.UPGRADE, target, prorated_cents(sub, target)
    kind = (SubscriptionCharge.Kind.RENEWAL if target.pk == sub.plan_version_id
            else SubscriptionCharge.Kind.SUBSCRIBE)
    return kind, target, target.price_cents


@transaction.atomic
def charge_prepare(*, subscription: Subscription, actor: User | None,
                   version: PlanVersion | None = None) -> SubscriptionCharge:
    sub = _locked(subscription)
    _refuse_closed(sub)
    kind, target, amount = _plan_charge(sub, version)
    problems = usage_violations(tenant=sub.tenant, version=target)
    if problems:
        raise BillingError(_("Your current usage does not fit this plan: %(list)s.")
                           % {"list": "; ".join(problems)})
    return SubscriptionCharge.objects.create(
        tenant_id=sub.tenant_id, subscription=sub, kind=kind, plan_version=target,
        amount_cents=amount, created_by=actor)


def subscription_checkout(*, subscription: Subscription, actor: User | None,
                          version: PlanVersion | None = None, method: str = "pix"):
    """Create the plan charge and its payment (PIX; card once payments supports it).

    Returns (charge, payment). The payment is created outside our transaction: payments
    commits its row before calling Mercado Pago (payments.services.payment_create).
    """
    from payments.services import payment_create

    charge = charge_prepare(subscription=subscription, actor=actor, version=version)
    payable = Subscription.objects.for_tenant(charge.tenant_id).select_related(
        "tenant__owner", "plan_version__plan").get(pk=charge.subscription_id)
    payable.checkout = charge
    payment = payment_create(payable=payable, method=method)
    SubscriptionCharge.objects.for_tenant(charge.tenant_id).filter(pk=charge.pk).update(
        payment_pk=payment.pk)
    charge.payment_pk = payment.pk
    audit.record(actor=actor, tenant=payable.tenant, action="subscription.checkout",
                 target=payable, data={"charge": charge.pk, "payment": payment.pk,
                                       "kind": charge.kind, "version": charge.plan_version_id,
                                       "amount_cents": charge.amount_cents})
    return charge, payment


# --- Payment outcomes (called by payments inside the payment's transaction) ------------------
def handle_payment(payment, outcome: str) -> None:
    """payments.registry handler for "tenants.subscription"."""
    if outcome == "approved":
        charge_apply(payment=payment)
        return
    charge = (SubscriptionCharge.objects.for_tenant(payment.tenant_id)
              .filter(payment_pk=payment.pk).select_related("subscription").first())
    if charge is not None:
        # Refunds and chargebacks are for operators to judge: recorded, not acted on.
        _event(charge.subscription, f"payment.{outcome}", data={"payment": payment.pk})
        audit.record(actor=None, tenant=payment.tenant, action=f"subscription.payment_{outcome}",
                     target=charge.subscription, data={"payment": payment.pk})


def _charge_for(payment) -> SubscriptionCharge:
    charge = (SubscriptionCharge.objects.for_tenant(payment.tenant_id)
              .filter(payment_pk=payment.pk).first())
    if charge is not None:
        return charge
    # The link is written after the provider call; a crash in between leaves it unset.
    # The payment then buys a renewal of what the subscription would renew to.
    sub = Subscription.objects.for_tenant(payment.tenant_id).get(pk=payment.payable_id)
    try:
        version = renewal_version(sub)
    except BillingError:
        version = sub.plan_version
    try:
        with transaction.atomic():
            return SubscriptionCharge.objects.create(
                tenant_id=sub.tenant_id, subscription=sub, kind=SubscriptionCharge.Kind.RENEWAL,
                plan_version=version, amount_cents=payment.amount_cents, payment_pk=payment.pk)
    except IntegrityError:
        return SubscriptionCharge.objects.for_tenant(payment.tenant_id).get(
            payment_pk=payment.pk)


@transaction.atomic
def charge_apply(*, payment) -> bool:
    """Apply an approved plan payment once. False when it was already applied."""
    charge = _charge_for(payment)
    now = timezone.now()
    claimed = SubscriptionCharge.objects.for_tenant(charge.tenant_id).filter(
        pk=charge.pk, applied_at__isnull=True).update(applied_at=now)
    if not claimed:
        return False
    sub = _locked(charge.subscription)
    before = sub.status
    version = PlanVersion.objects.select_related("plan").get(pk=charge.plan_version_id)
    if charge.kind != SubscriptionCharge.Kind.UPGRADE or sub.current_period_end <= now:
        _extend(sub, version, now)
    sub.plan_version = version
    if sub.next_version_id == version.pk:
        sub.next_version = None
    sub.status = S.ACTIVE
    sub.cancel_at_period_end = False
    sub.save()
    SubscriptionCharge.objects.for_tenant(charge.tenant_id).filter(pk=charge.pk).update(
        period_end_after=sub.current_period_end)
    _event(sub, f"paid.{charge.kind}", from_status=before,
           data={"payment": payment.pk, "charge": charge.pk, "version": version.pk})
    audit.record(actor=None, tenant=sub.tenant, action="subscription.paid", target=sub,
                 data={"payment": payment.pk, "kind": charge.kind, "version": version.pk,
                       "period_end": sub.current_period_end.isoformat()})
    if before in (S.SUSPENDED, S.PAST_DUE):
        _resume(sub)
    return True


def _extend(sub: Subscription, version: PlanVersion, now: datetime) -> None:
    running = sub.status in LIVE and sub.current_period_end > now
    if sub.status == S.TRIALING or not running:
        base = max(sub.current_period_end, now) if sub.status == S.TRIALING else now
        sub.current_period_start = now
    else:
        base = sub.current_period_end
    sub.current_period_end = base + interval_delta(version)
    sub.reminded_3d_at = sub.reminded_1d_at = None


def _resume(sub: Subscription) -> None:
    tenant = sub.tenant
    if tenant.status == Tenant.Status.SUSPENDED:
        Tenant.objects.filter(pk=tenant.pk, status=Tenant.Status.SUSPENDED).update(
            status=Tenant.Status.ACTIVE, updated_at=timezone.now())
        tenant.status = Tenant.Status.ACTIVE
        audit.record(actor=None, tenant=tenant, action="tenant.resume", target=tenant,
                     data={"reason": "plan paid"})
    runtime_reconcile_soon(tenant=tenant)  # the bot comes back if the owner wants it running


# --- Plan changes by the owner ---------------------------------------------------------------
@transaction.atomic
def subscription_schedule_downgrade(*, subscription: Subscription, actor: User,
                                    version: PlanVersion) -> Subscription:
    sub = _locked(subscription)
    _refuse_closed(sub)
    _buyable(version)
    if version.price_cents >= sub.plan_version.price_cents:
        raise BillingError(_("This plan is not cheaper than yours: upgrade instead."))
    problems = usage_violations(tenant=sub.tenant, version=version)
    if problems:
        raise BillingError(_("You can't switch to %(plan)s yet: %(list)s.")
                           % {"plan": version.plan.display_name, "list": "; ".join(problems)})
    sub.next_version = version
    sub.save(update_fields=["next_version", "updated_at"])
    _event(sub, "downgrade.scheduled", actor=actor, from_status=sub.status,
           data={"version": version.pk})
    audit.record(actor=actor, tenant=sub.tenant, action="subscription.downgrade", target=sub,
                 data={"version": version.pk})
    return sub


@transaction.atomic
def subscription_set_cancel(*, subscription: Subscription, actor: User,
                            cancel: bool) -> Subscription:
    sub = _locked(subscription)
    _refuse_closed(sub)
    if sub.cancel_at_period_end != cancel:
        sub.cancel_at_period_end = cancel
        sub.save(update_fields=["cancel_at_period_end", "updated_at"])
        _event(sub, "cancel.scheduled" if cancel else "cancel.undone", actor=actor,
               from_status=sub.status)
        audit.record(actor=actor, tenant=sub.tenant, action="subscription.cancel",
                     target=sub, data={"cancel_at_period_end": cancel})
    return sub


@transaction.atomic
def subscription_extend_manual(*, subscription: Subscription, actor: User, days: int,
                               reason: str, version: PlanVersion | None = None,
                               ) -> Subscription:
    """Operators: extend (or comp) a subscription, with a reason. Resumes a suspended shop."""
    reason = reason.strip()
    if not reason:
        raise BillingError(_("Say why the subscription is extended."))
    if days <= 0 and version is None:
        raise BillingError(_("Extend by at least one day."))
    sub = _locked(subscription)
    before = sub.status
    now = timezone.now()
    sub.current_period_end = max(sub.current_period_end, now) + timedelta(days=days)
    if version is not None:
        sub.plan_version = version
    comped_to_paid = version is not None and not version.plan.is_trial
    if sub.status in (S.PAST_DUE, S.SUSPENDED, S.CANCELED) or comped_to_paid:
        sub.status = S.ACTIVE
    sub.reminded_3d_at = sub.reminded_1d_at = None
    sub.save()
    _event(sub, "extended", actor=actor, from_status=before,
           data={"days": days, "reason": reason, "version": version.pk if version else None})
    audit.record(actor=actor, tenant=sub.tenant, action="subscription.extend", target=sub,
                 data={"days": days, "reason": reason,
                       "period_end": sub.current_period_end.isoformat()})
    if before in (S.PAST_DUE, S.SUSPENDED, S.CANCELED):
        _resume(sub)
    return sub


# --- Beat: reminders, expiry, suspension -----------------------------------------------------
def _remind(sub: Subscription, *, days: int, now: datetime) -> bool:
    field = "reminded_3d_at" if days == 3 else "reminded_1d_at"
    updates = {field: now}
    if days == 1:
        updates["reminded_3d_at"] = sub.reminded_3d_at or now  # no stale 3-day mail after
    claimed = Subscription.objects.for_tenant(sub.tenant_id).filter(
        pk=sub.pk, **{f"{field}__isnull": True}).update(**updates)
    if claimed:
        _event(sub, f"reminder.{days}d", from_status=sub.status)
        notify.reminder(subscription=sub, days=days)
    return bool(claimed)


def send_reminders(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    sent = 0
    due = (Subscription.objects.unscoped().select_related("tenant__owner", "plan_version__plan")
           .filter(status__in=LIVE, current_period_end__gt=now,
                   current_period_end__lte=now + timedelta(days=3)))
    for sub in due:
        left = sub.current_period_end - now
        with transaction.atomic():
            if left <= timedelta(days=1) and sub.reminded_1d_at is None:
                sent += _remind(sub, days=1, now=now)
            elif left > timedelta(days=1) and sub.reminded_3d_at is None:
                sent += _remind(sub, days=3, now=now)
    return sent


@transaction.atomic
def subscription_expire(*, subscription: Subscription, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    sub = _locked(subscription)
    if sub.status not in LIVE or sub.current_period_end > now:
        return False
    before = sub.status
    if sub.cancel_at_period_end:
        sub.status = S.CANCELED
        sub.save(update_fields=["status", "updated_at"])
        _event(sub, "canceled", from_status=before)
        _suspend_tenant(sub, reason="plan canceled")
        return True
    sub.status = S.PAST_DUE
    sub.save(update_fields=["status", "updated_at"])
    _event(sub, "expired", from_status=before)
    audit.record(actor=None, tenant=sub.tenant, action="subscription.expire", target=sub,
                 data={"grace_days": grace_days()})
    notify.expired(subscription=sub)
    return True


@transaction.atomic
def subscription_suspend(*, subscription: Subscription, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    sub = _locked(subscription)
    if sub.status != S.PAST_DUE or sub.current_period_end + timedelta(days=grace_days()) > now:
        return False
    sub.status = S.SUSPENDED
    sub.save(update_fields=["status", "updated_at"])
    _event(sub, "suspended", from_status=S.PAST_DUE)
    _suspend_tenant(sub, reason="plan expired")
    return True


def _suspend_tenant(sub: Subscription, *, reason: str) -> None:
    tenant = sub.tenant
    if tenant.status == Tenant.Status.ACTIVE:
        Tenant.objects.filter(pk=tenant.pk, status=Tenant.Status.ACTIVE).update(
            status=Tenant.Status.SUSPENDED, updated_at=timezone.now())
        tenant.status = Tenant.Status.SUSPENDED
    audit.record(actor=None, tenant=tenant, action="tenant.suspend", target=tenant,
                 data={"reason": reason})
    # The controller stops a suspended shop's bot (runtime.controller.plan) and keeps the
    # owner's desired state, so resuming needs no memory of whether it was running.
    runtime_reconcile_soon(tenant=tenant)
    notify.suspended(subscription=sub)


def expire_due(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    due = Subscription.objects.unscoped().filter(status__in=LIVE, current_period_end__lte=now)
    return sum(subscription_expire(subscription=sub, now=now) for sub in due)


def suspend_overdue(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    due = Subscription.objects.unscoped().filter(
        status=S.PAST_DUE, current_period_end__lte=now - timedelta(days=grace_days()))
    return sum(subscription_suspend(subscription=sub, now=now) for sub in due)


def billing_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """One beat pass: reminders, then expiry, then suspension (each idempotent)."""
    now = now or timezone.now()
    return {"reminded": send_reminders(now=now), "expired": expire_due(now=now),
            "suspended": suspend_overdue(now=now)}
