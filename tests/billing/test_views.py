"""Ownership of every Plano view, the page's content per role, and the billing banner."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from billing import services
from billing.context import billing
from tenants.models import Subscription, SubscriptionCharge, Tenant

pytestmark = [pytest.mark.django_db]
S = Subscription.Status


def sub_of(tenant: Tenant) -> Subscription:
    return Subscription.objects.for_tenant(tenant).get()


def charge_for(tenant: Tenant, plans) -> SubscriptionCharge:
    sub = sub_of(tenant)
    return SubscriptionCharge.objects.create(
        tenant=tenant, subscription=sub, kind="subscribe", plan_version=plans["start"],
        amount_cents=2990, applied_at=timezone.now(), period_end_after=timezone.now())


def read_urls(tenant: Tenant, plans) -> list[str]:
    charge = charge_for(tenant, plans)
    return [reverse("portal:plan", args=[tenant.slug]),
            reverse("portal:plan_receipt", args=[tenant.slug, charge.pk])]


def test_every_member_reads_the_plan_outsiders_get_404(shop, other_shop, outsider, plans,
                                                       client_for):
    for url in read_urls(shop.tenant, plans):
        for user in (shop.owner, shop.manager, shop.viewer):
            assert client_for(user).get(url).status_code == 200, (user, url)
        for user in (outsider, other_shop.owner):
            assert client_for(user).get(url).status_code == 404, (user, url)


def test_receipts_of_another_tenant_are_404(shop, other_shop, plans, client_for):
    theirs = charge_for(other_shop.tenant, plans)
    url = reverse("portal:plan_receipt", args=[shop.tenant.slug, theirs.pk])
    assert client_for(shop.owner).get(url).status_code == 404


def test_anonymous_is_sent_to_sign_in(shop, plans, client):
    response = client.get(reverse("portal:plan", args=[shop.tenant.slug]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_owner_sees_change_buttons_viewer_does_not(shop, plans, client_for):
    url = reverse("portal:plan", args=[shop.tenant.slug])
    owner_page = client_for(shop.owner).get(url).content.decode()
    assert 'data-testid="choose-start"' in owner_page and 'data-testid="choose-pro"' in owner_page
    viewer_page = client_for(shop.viewer).get(url).content.decode()
    assert 'data-testid="choose-start"' not in viewer_page
    assert 'data-testid="usage-active_products"' in viewer_page


def test_get_requests_are_not_writes(shop, plans, client_for):
    sub = sub_of(shop.tenant)
    url = reverse("portal:plan_checkout", args=[shop.tenant.slug, sub.pk])
    assert client_for(shop.owner).get(url).status_code == 405


def test_suspended_writes_are_refused_except_paying(shop, plans, client_for):
    Tenant.objects.filter(pk=shop.tenant.pk).update(status=Tenant.Status.SUSPENDED)
    client = client_for(shop.owner)
    sub = sub_of(shop.tenant)
    response = client.post(reverse("portal:plan_cancel", args=[shop.tenant.slug, sub.pk]),
                           {"cancel": "1"})
    assert response.status_code == 403
    with translation.override("en"):
        assert "Pay the plan on the Plan page" in response.content.decode()
    response = client.post(reverse("portal:members", args=[shop.tenant.slug]), {})
    assert response.status_code == 403
    assert client.get(reverse("portal:dashboard", args=[shop.tenant.slug])).status_code == 200


def banner_html(tenant: Tenant, user) -> str:
    request = RequestFactory().get("/")
    request.user, request.tenant = user, tenant
    from django.urls import resolve

    request.resolver_match = resolve(reverse("portal:dashboard", args=[tenant.slug]))
    context = billing(request) | {"current_tenant": tenant, "request": request}
    with translation.override("en"):
        return render_to_string("portal/_billing_banner.html", context)


def test_banner_context_processor(shop, plans):
    Subscription.objects.for_tenant(shop.tenant).update(
        current_period_end=timezone.now() + timedelta(days=5))
    assert "billing-banner" not in banner_html(shop.tenant, shop.owner)
    Subscription.objects.for_tenant(shop.tenant).update(
        current_period_end=timezone.now() + timedelta(hours=30))
    html = banner_html(shop.tenant, shop.owner)
    assert 'data-kind="trial_ending"' in html and "trial ends in 2 days" in html
    Subscription.objects.for_tenant(shop.tenant).update(status=S.ACTIVE)
    assert "Your plan ends in 2 days" in banner_html(shop.tenant, shop.owner)
    Subscription.objects.for_tenant(shop.tenant).update(
        status=S.PAST_DUE, current_period_end=timezone.now() - timedelta(hours=1))
    assert "Pay within 2 days" in banner_html(shop.tenant, shop.owner)
    services.subscription_suspend(subscription=sub_of(shop.tenant),
                                  now=timezone.now() + timedelta(days=3))
    shop.tenant.refresh_from_db()
    html = banner_html(shop.tenant, shop.owner)
    assert 'data-kind="suspended"' in html and "pay the plan with PIX" in html


def test_context_processor_is_empty_outside_a_tenant(rf):
    request = rf.get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert billing(request) == {}
