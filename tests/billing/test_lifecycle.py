"""Trial -> reminders -> expiry -> grace -> suspension -> payment -> active, walked with
time-machine; approvals applied the way payments applies them, against the Mercado Pago
sandbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.urls import reverse

from billing import selectors, services
from payments.models import Payment
from runtime.models import Observed
from tenants.models import Subscription, SubscriptionCharge, SubscriptionEvent, Tenant
from tenants.quotas import QuotaExceeded
from tenants.services import tenant_create
from tests.billing.helpers import apply_approval, bot_plan, redispatch
from tests.conftest import make_user

pytestmark = [pytest.mark.django_db]
S = Subscription.Status


def sub_of(tenant: Tenant) -> Subscription:
    return Subscription.objects.for_tenant(tenant).select_related("tenant",
                                                                   "plan_version__plan").get()


def test_instance_creation_starts_a_three_day_trial(shop, plans):
    sub = sub_of(shop.tenant)
    assert sub.status == S.TRIALING and sub.plan_version == plans["trial"]
    assert sub.current_period_end - sub.current_period_start == timedelta(days=3)
    assert SubscriptionEvent.objects.for_tenant(shop.tenant).filter(kind="trial.start").exists()


def test_trial_is_given_once_per_discord_account(db, plans):
    first = make_user("disc1")
    SocialAccount.objects.create(user=first, provider="discord", uid="4242")
    assert sub_of(tenant_create(owner=first, name="Um")).status == S.TRIALING
    # Same person, new email account, same Discord account: no second trial.
    SocialAccount.objects.filter(user=first).delete()
    again = make_user("disc2")
    SocialAccount.objects.create(user=again, provider="discord", uid="4242")
    second = sub_of(tenant_create(owner=again, name="Dois"))
    assert second.status == S.PAST_DUE and second.current_period_end <= second.created_at
    # And a later instance of the first owner gets none either (once per account), even
    # after deleting the first one to get under the one-instance quota.
    Tenant.objects.filter(owner=first).delete()
    assert sub_of(tenant_create(owner=first, name="Tres")).status == S.PAST_DUE


def test_users_without_discord_get_one_trial_per_user(db, plans):
    user = make_user("mailonly")
    assert sub_of(tenant_create(owner=user, name="A")).status == S.TRIALING
    with pytest.raises(QuotaExceeded):  # the trial allows one instance per account
        tenant_create(owner=user, name="B")
    Tenant.objects.filter(owner=user).delete()
    assert sub_of(tenant_create(owner=user, name="B")).status == S.PAST_DUE
    assert sub_of(tenant_create(owner=make_user("other"), name="C")).status == S.TRIALING


def checkout(client, tenant, sub, **data):
    return client.post(reverse("portal:plan_checkout", args=[tenant.slug, sub.pk]), data)


def test_full_walkthrough(shop, plans, mp, client_for, runtime_syncs,
                          django_capture_on_commit_callbacks):
    tenant, owner = shop.tenant, client_for(shop.owner)

    def sweep() -> dict:
        with django_capture_on_commit_callbacks(execute=True):  # emails go out after commit
            return services.billing_sweep()

    sub = sub_of(tenant)
    end = sub.current_period_end
    # The owner had set up and started the bot.
    from runtime.services import runtime_set_desired, runtime_set_discord_token

    runtime_set_discord_token(tenant=tenant, token="x" * 59, actor=shop.owner)
    runtime_set_desired(tenant=tenant, state="running", reason="owner", actor=shop.owner)
    with time_machine.travel(end - timedelta(days=2, hours=20), tick=False) as clock:
        # 3 days before the end: one reminder (banner + email), once.
        assert sweep() == {"reminded": 1, "expired": 0, "suspended": 0}
        assert sweep()["reminded"] == 0
        assert len(mail.outbox) == 1 and shop.owner.email in mail.outbox[0].to
        assert selectors.banner_for(tenant=tenant).kind == "trial_ending"
        assert selectors.banner_for(tenant=tenant).days_left == 3

        clock.move_to(end - timedelta(hours=20))  # 1 day before
        assert sweep()["reminded"] == 1
        assert sweep()["reminded"] == 0
        assert len(mail.outbox) == 2

        clock.move_to(end + timedelta(minutes=5))  # expired: past due, grace period
        assert sweep()["expired"] == 1
        sub.refresh_from_db()
        tenant.refresh_from_db()
        assert sub.status == S.PAST_DUE and tenant.status == Tenant.Status.ACTIVE
        assert selectors.banner_for(tenant=tenant).kind == "past_due"
        assert len(mail.outbox) == 3

        clock.move_to(end + timedelta(days=1))  # still in grace
        assert sweep()["suspended"] == 0

        clock.move_to(end + timedelta(days=2, minutes=5))  # grace over: suspended
        assert sweep()["suspended"] == 1
        assert sweep() == {"reminded": 0, "expired": 0, "suspended": 0}
        sub.refresh_from_db()
        tenant.refresh_from_db()
        assert sub.status == S.SUSPENDED and tenant.status == Tenant.Status.SUSPENDED
        # The controller stops a suspended shop's bot; the owner's wish is kept for the resume.
        assert runtime_syncs[-1] == tenant.pk
        runtime, decision = bot_plan(tenant)
        assert runtime.desired_state == "running"
        assert decision.observed == Observed.SUSPENDED
        assert len(mail.outbox) == 4

        # Read-only: writes are refused with a message saying how to pay...
        response = owner.post(reverse("portal:settings", args=[tenant.slug]),
                              {"name": "Nova", "locale": "pt-br"})
        assert response.status_code == 403
        tenant.refresh_from_db()
        assert tenant.name == "Loja Alfa"
        # ...reads work, and paying stays open.
        assert owner.get(reverse("portal:plan", args=[tenant.slug])).status_code == 200
        response = checkout(owner, tenant, sub, version=plans["start"].pk)
        assert response.status_code == 302
        payment = Payment.objects.for_tenant(tenant).get()
        assert response["Location"] == reverse("payments:page", args=[payment.public_id])
        assert payment.amount_cents == plans["start"].price_cents
        assert payment.provider_payment_id

        clock.shift(timedelta(minutes=3))
        mp.approve(payment.provider_payment_id)
        assert apply_approval(payment).status == Payment.Status.APPROVED

        sub.refresh_from_db()
        tenant.refresh_from_db()
        assert sub.status == S.ACTIVE and sub.plan_version == plans["start"]
        assert tenant.status == Tenant.Status.ACTIVE
        assert runtime_syncs[-1] == tenant.pk
        runtime, decision = bot_plan(tenant)
        assert runtime.desired_state == "running"
        assert decision.op == "start" and decision.observed != Observed.SUSPENDED
        new_end = sub.current_period_end
        assert new_end - sub.current_period_start >= timedelta(days=28)
        assert selectors.banner_for(tenant=tenant) is None

        # Duplicate delivery of the same approval: nothing more.
        redispatch(payment)
        apply_approval(payment)
        sub.refresh_from_db()
        assert sub.current_period_end == new_end
        charge = SubscriptionCharge.objects.for_tenant(tenant).get()
        assert charge.applied_at is not None and charge.period_end_after == new_end
        kinds = list(SubscriptionEvent.objects.for_tenant(tenant).order_by("created_at", "pk")
                     .values_list("kind", flat=True))
        assert kinds == ["trial.start", "reminder.3d", "reminder.1d", "expired", "suspended",
                         "paid.subscribe"]
