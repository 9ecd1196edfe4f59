"""Idempotent approvals, upgrades with proration, downgrades at renewal, old price versions,
and every bad input refused with a clear error and nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from billing import services
from payments.models import Payment
from payments.registry import Outcome
from runtime.models import Observed
from tenants import quotas
from tenants.models import PlanVersion, Subscription, SubscriptionCharge, Tenant
from tenants.quotas import BillingError
from tests.billing.helpers import apply_approval, bot_plan, redispatch

pytestmark = [pytest.mark.django_db]
S = Subscription.Status


def sub_of(tenant: Tenant) -> Subscription:
    return Subscription.objects.for_tenant(tenant).select_related("tenant",
                                                                   "plan_version__plan").get()


def make_active(tenant: Tenant, version: PlanVersion, *, days_left: int = 15) -> Subscription:
    now = timezone.now()
    Subscription.objects.for_tenant(tenant).update(
        plan_version=version, status=S.ACTIVE, current_period_end=now + timedelta(days=days_left),
        current_period_start=now + timedelta(days=days_left) - timedelta(days=30))
    return sub_of(tenant)


def pay(mp, sub, *, version=None) -> Payment:
    _charge, payment = services.subscription_checkout(subscription=sub, actor=None,
                                                      version=version)
    mp.approve(payment.provider_payment_id)
    return payment


def test_duplicate_and_out_of_order_approvals_extend_once(shop, plans, mp):
    sub = make_active(shop.tenant, plans["start"], days_left=10)
    end = sub.current_period_end
    first, second = pay(mp, sub), pay(mp, sub)
    # The second payment's approval arrives first, then the first one's, then replays.
    apply_approval(second)
    apply_approval(first)
    for payment in (first, second, first):
        redispatch(payment)
    redispatch(first, Outcome.CANCELLED)  # a late stale outcome changes nothing either
    sub.refresh_from_db()
    # Two payments, two months; never more.
    assert sub.current_period_end == end + timedelta(days=0) + (
        services.interval_delta(plans["start"]) * 2)
    assert SubscriptionCharge.objects.for_tenant(shop.tenant).filter(
        applied_at__isnull=False).count() == 2
    assert not services.charge_apply(payment=first)


def test_renewal_from_active_extends_from_the_old_end(shop, plans, mp):
    sub = make_active(shop.tenant, plans["start"], days_left=2)
    end = sub.current_period_end
    apply_approval(pay(mp, sub))
    sub.refresh_from_db()
    assert sub.current_period_end == end + services.interval_delta(plans["start"])
    assert sub.status == S.ACTIVE


def test_upgrade_is_immediate_and_prorated(shop, plans, mp):
    with time_machine.travel(timezone.now(), tick=False):
        sub = make_active(shop.tenant, plans["start"], days_left=15)
        end = sub.current_period_end
        charge, payment = services.subscription_checkout(subscription=sub, actor=shop.owner,
                                                         version=plans["pro"])
        assert charge.kind == SubscriptionCharge.Kind.UPGRADE
        full = end - (end - services.interval_delta(plans["start"]))
        expected = round((plans["pro"].price_cents - plans["start"].price_cents)
                         * timedelta(days=15) / full)
        assert payment.amount_cents == charge.amount_cents == expected
        mp.approve(payment.provider_payment_id)
        apply_approval(payment)
    sub.refresh_from_db()
    assert sub.plan_version == plans["pro"] and sub.current_period_end == end
    assert quotas.features(shop.tenant).max_active_products is None


def test_downgrade_waits_for_renewal(shop, plans, mp, client_for):
    sub = make_active(shop.tenant, plans["pro"])
    response = client_for(shop.owner).post(
        reverse("portal:plan_downgrade", args=[shop.tenant.slug, sub.pk]),
        {"version": plans["start"].pk})
    assert response.status_code == 302
    sub.refresh_from_db()
    assert sub.plan_version == plans["pro"] and sub.next_version == plans["start"]
    payment = pay(mp, sub)  # the renewal buys the scheduled plan
    assert payment.amount_cents == plans["start"].price_cents
    apply_approval(payment)
    sub.refresh_from_db()
    assert sub.plan_version == plans["start"] and sub.next_version is None


def new_price(plans, slug: str, cents: int) -> tuple[PlanVersion, PlanVersion]:
    old = plans[slug]
    new = PlanVersion.objects.create(plan=old.plan, version=old.version + 1, price_cents=cents,
                                     max_active_products=old.max_active_products,
                                     max_orders_per_month=old.max_orders_per_month,
                                     max_instances=old.max_instances)
    PlanVersion.objects.filter(pk=old.pk).update(active=False)
    old.refresh_from_db()
    return old, new


def test_old_price_version_cannot_be_bought_but_subscribers_renew_to_the_new(shop, plans, mp):
    old, new = new_price(plans, "start", 3990)
    sub = sub_of(shop.tenant)  # trialing: a new subscription
    with pytest.raises(BillingError, match="no longer on sale"):
        services.subscription_checkout(subscription=sub, actor=None, version=old)
    assert not SubscriptionCharge.objects.for_tenant(shop.tenant).exists()
    # Someone already on the old version keeps it until renewal, which buys the new price.
    sub = make_active(shop.tenant, old)
    charge, payment = services.subscription_checkout(subscription=sub, actor=None)
    assert charge.plan_version == new and payment.amount_cents == 3990


def snapshot(tenant: Tenant) -> tuple:
    sub = sub_of(tenant)
    return (sub.status, sub.plan_version_id, sub.next_version_id, sub.current_period_end,
            SubscriptionCharge.objects.for_tenant(tenant).count(),
            Payment.objects.for_tenant(tenant).count())


def post(client, name: str, tenant: Tenant, pk: int, **data):
    return client.post(reverse(f"portal:{name}", args=[tenant.slug, pk]), data)


def test_paying_for_an_inactive_version_is_refused(shop, plans, mp, client_for):
    old, _new = new_price(plans, "pro", 9990)
    sub, before = sub_of(shop.tenant), snapshot(shop.tenant)
    response = post(client_for(shop.owner), "plan_checkout", shop.tenant, sub.pk,
                    version=old.pk)
    assert response.status_code == 400
    assert "no longer on sale" in response.content.decode()
    assert snapshot(shop.tenant) == before


def test_the_trial_cannot_be_bought(shop, plans, client_for):
    sub, before = sub_of(shop.tenant), snapshot(shop.tenant)
    response = post(client_for(shop.owner), "plan_checkout", shop.tenant, sub.pk,
                    version=plans["trial"].pk)
    assert response.status_code == 400 and snapshot(shop.tenant) == before


def test_renewing_a_canceled_subscription_is_refused(shop, plans, client_for):
    Subscription.objects.for_tenant(shop.tenant).update(status=S.CANCELED)
    before = snapshot(shop.tenant)
    response = post(client_for(shop.owner), "plan_checkout", shop.tenant, sub_of(shop.tenant).pk)
    assert response.status_code == 400
    assert "canceled and cannot be renewed" in response.content.decode()
    assert snapshot(shop.tenant) == before


def test_a_downgrade_that_breaks_quotas_lists_what_to_fix(shop, plans, client_for):
    sub = make_active(shop.tenant, plans["pro"])
    quotas.usage_set(tenant=shop.tenant, metric=quotas.ACTIVE_PRODUCTS, value=150)
    quotas.usage_record(tenant=shop.tenant, metric=quotas.ORDERS_PER_MONTH, delta=1200)
    before = snapshot(shop.tenant)
    response = post(client_for(shop.owner), "plan_downgrade", shop.tenant, sub.pk,
                    version=plans["start"].pk)
    assert response.status_code == 400
    body = response.content.decode()
    assert "150 active products in use, Start allows 100" in body
    assert "1200 orders this month in use, Start allows 1000" in body
    assert snapshot(shop.tenant) == before


def test_viewer_and_manager_cannot_change_the_plan(shop, plans, client_for):
    sub, before = sub_of(shop.tenant), snapshot(shop.tenant)
    for user in (shop.viewer, shop.manager):
        client = client_for(user)
        for name, data in (("plan_checkout", {"version": plans["pro"].pk}),
                           ("plan_downgrade", {"version": plans["start"].pk}),
                           ("plan_cancel", {"cancel": "1"})):
            response = post(client, name, shop.tenant, sub.pk, **data)
            assert response.status_code == 403, (user, name)
    assert snapshot(shop.tenant) == before


def test_another_tenants_subscription_ids_are_404(shop, other_shop, plans, client_for):
    theirs = sub_of(other_shop.tenant)
    before = snapshot(other_shop.tenant)
    client = client_for(shop.owner)
    for name, data in (("plan_checkout", {"version": plans["pro"].pk}),
                       ("plan_downgrade", {"version": plans["start"].pk}),
                       ("plan_cancel", {"cancel": "1"})):
        assert post(client, name, shop.tenant, theirs.pk, **data).status_code == 404
        assert post(client, name, other_shop.tenant, theirs.pk, **data).status_code == 404
    assert snapshot(other_shop.tenant) == before


def test_unknown_version_id_is_404(shop, plans, client_for):
    sub = sub_of(shop.tenant)
    client = client_for(shop.owner)
    assert post(client, "plan_checkout", shop.tenant, sub.pk, version="999999").status_code == 404
    assert post(client, "plan_checkout", shop.tenant, sub.pk, version="x").status_code == 404


def test_cancel_at_period_end_then_expiry_cancels_and_suspends(shop, plans, client_for,
                                                               runtime_syncs):
    sub = make_active(shop.tenant, plans["start"], days_left=1)
    post(client_for(shop.owner), "plan_cancel", shop.tenant, sub.pk, cancel="1")
    sub.refresh_from_db()
    assert sub.cancel_at_period_end
    with time_machine.travel(sub.current_period_end + timedelta(minutes=1), tick=False):
        assert services.billing_sweep()["expired"] == 1
    sub.refresh_from_db()
    shop.tenant.refresh_from_db()
    assert sub.status == S.CANCELED and shop.tenant.status == Tenant.Status.SUSPENDED
    assert runtime_syncs[-1] == shop.tenant.pk
    assert bot_plan(shop.tenant)[1].observed == Observed.SUSPENDED


def test_operator_extension_resumes_a_suspended_shop_and_is_audited(shop, plans, operator,
                                                                   runtime_syncs):
    from audit.models import AuditEvent

    Subscription.objects.for_tenant(shop.tenant).update(status=S.SUSPENDED)
    Tenant.objects.filter(pk=shop.tenant.pk).update(status=Tenant.Status.SUSPENDED)
    with pytest.raises(BillingError):
        services.subscription_extend_manual(subscription=sub_of(shop.tenant), actor=operator,
                                            days=7, reason="  ")
    sub = services.subscription_extend_manual(subscription=sub_of(shop.tenant), actor=operator,
                                              days=7, reason="support ticket 12")
    shop.tenant.refresh_from_db()
    assert sub.status == S.ACTIVE and shop.tenant.status == Tenant.Status.ACTIVE
    assert sub.current_period_end > timezone.now() + timedelta(days=6)
    event = AuditEvent.objects.filter(action="subscription.extend").get()
    assert event.data["reason"] == "support ticket 12"


def test_admin_extension_form_requires_a_reason(shop, plans, operator, client_for):
    sub = sub_of(shop.tenant)
    url = reverse("admin:tenants_subscription_change", args=[sub.pk])
    client = client_for(operator)
    assert client.get(url).status_code == 200
    assert client.get(reverse("admin:tenants_subscription_changelist")
                      + "?status__exact=trialing").status_code == 200
    response = client.post(url, {"extend_days": "5", "reason": "", "_save": "1",
                                 **inline_management()})
    assert response.status_code == 200  # form error, nothing saved
    assert sub_of(shop.tenant).current_period_end == sub.current_period_end
    response = client.post(url, {"extend_days": "5", "reason": "comp: outage",
                                 "_save": "1", **inline_management()})
    assert response.status_code == 302
    assert sub_of(shop.tenant).current_period_end > sub.current_period_end


def inline_management() -> dict:
    return {"events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
            "events-MIN_NUM_FORMS": "0", "events-MAX_NUM_FORMS": "0"}
