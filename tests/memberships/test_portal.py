"""Owner pages of memberships: ownership (owner and staff per role get them, viewers cannot
write, outsiders and other shops get 404), tiers CRUD, manual grants (audited), CSV, MRR."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from memberships import selectors, services
from memberships.models import Member, MemberCharge, Tier
from tests.sales import factories as f


@pytest.fixture(autouse=True)
def _english(settings) -> None:
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def setup(shop):
    tier = Tier.objects.create(tenant=shop.tenant, name="VIP", role_id="123456789012345678",
                               price_cents=2990)
    buyer = f.customer(shop.tenant, "123456789012345000", "Bia")
    member = services.member_grant(tenant=shop.tenant, actor=shop.owner, customer=buyer,
                                   tier=tier, days=30, reason="gift")
    return tier, buyer, member


def _urls(shop, tier, member) -> list[str]:
    slug = shop.tenant.slug
    return [reverse("portal:memberships", args=[slug]),
            reverse("portal:memberships_export", args=[slug]),
            reverse("portal:membership_member", args=[slug, member.pk]),
            reverse("portal:membership_tiers", args=[slug]),
            reverse("portal:membership_tier_edit", args=[slug, tier.pk]),
            reverse("portal:membership_settings", args=[slug])]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_owner_and_staff_see_every_page(shop, setup):
    for user in (shop.owner, shop.manager, shop.viewer):
        for url in _urls(shop, *setup[::2]):
            assert _client(user).get(url).status_code == 200, (user, url)


def test_outsiders_and_other_shops_get_404(shop, other_shop, outsider, setup):
    for user in (outsider, other_shop.owner):
        for url in _urls(shop, *setup[::2]):
            assert _client(user).get(url).status_code == 404, (user, url)
    # Shop B's own pages do not reach shop A's rows either.
    slug = other_shop.tenant.slug
    tier, _buyer, member = setup
    mine = _client(other_shop.owner)
    assert mine.get(reverse("portal:membership_member", args=[slug, member.pk])).status_code \
        == 404
    assert mine.get(reverse("portal:membership_tier_edit", args=[slug, tier.pk])).status_code \
        == 404


def test_viewer_cannot_write(shop, setup):
    tier, _buyer, member = setup
    slug, viewer = shop.tenant.slug, _client(shop.viewer)
    end = member.current_period_end
    assert viewer.post(reverse("portal:membership_member", args=[slug, member.pk]),
                       {"tier": tier.pk, "days": 5, "reason": "x"}).status_code == 403
    assert viewer.post(reverse("portal:membership_tiers", args=[slug]),
                       {"name": "X"}).status_code == 403
    assert viewer.post(reverse("portal:membership_grant", args=[slug]),
                       {"tier": tier.pk}).status_code == 403
    assert Member.objects.for_tenant(shop.tenant).get().current_period_end == end


def test_manager_creates_and_edits_a_tier(shop):
    slug, manager = shop.tenant.slug, _client(shop.manager)
    response = manager.post(reverse("portal:membership_tiers", args=[slug]), {
        "name": "Ouro", "role_id": "123456789012345678", "price": "49,90",
        "period": "quarterly", "trial_days": "7", "active": "on", "sort": "0"})
    assert response.status_code == 302, response.content[:500]
    tier = Tier.objects.for_tenant(shop.tenant).get()
    assert (tier.price_cents, tier.period, tier.trial_days) == (4990, "quarterly", 7)
    bad = manager.post(reverse("portal:membership_tier_edit", args=[slug, tier.pk]), {
        "name": "Ouro", "role_id": "not-a-role", "price": "-1", "period": "weekly"})
    assert bad.status_code == 400
    assert Tier.objects.for_tenant(shop.tenant).get().price_cents == 4990
    assert AuditEvent.objects.filter(action="membership.tier_create").count() == 1


def test_extension_with_a_reason_is_audited(shop, setup):
    tier, _buyer, member = setup
    slug = shop.tenant.slug
    end = member.current_period_end
    url = reverse("portal:membership_member", args=[slug, member.pk])
    assert _client(shop.owner).post(url, {"tier": tier.pk, "days": "10",
                                          "reason": " "}).status_code == 400
    response = _client(shop.owner).post(url, {"tier": tier.pk, "days": "10",
                                              "reason": "paid in cash"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.current_period_end == end + timedelta(days=10)
    audit = AuditEvent.objects.filter(action="membership.grant").order_by("-id").first()
    assert audit.data["reason"] == "paid in cash" and audit.actor_id == shop.owner.pk


def test_grant_to_unknown_buyer_is_refused(shop, setup):
    tier = setup[0]
    response = _client(shop.owner).post(
        reverse("portal:membership_grant", args=[shop.tenant.slug]),
        {"tier": tier.pk, "days": "5", "reason": "x", "discord_user_id": "999999999999999999"})
    assert response.status_code == 400
    assert Member.objects.for_tenant(shop.tenant).count() == 1


def test_csv_export_neutralises_formulas(shop, setup):
    _tier, buyer, _member = setup
    buyer.display_name = "=HYPERLINK(\"x\")"
    buyer.save()
    body = _client(shop.owner).get(reverse("portal:memberships_export",
                                           args=[shop.tenant.slug])).content.decode()
    lines = body.strip().splitlines()
    assert lines[0].startswith("member_id,discord_user_id,name,tier,status")
    assert "'=HYPERLINK" in lines[1] and ",VIP,active,manual," in lines[1]


def test_mrr_and_churn_from_paid_periods(shop, setup):
    tier, _buyer, member = setup
    now = timezone.now()
    # A manual grant alone pays nothing.
    assert selectors.current_mrr_cents(tenant=shop.tenant) == 0
    # One paid month covering now: counts toward MRR, on the card and the month's bar alike.
    MemberCharge.objects.create(tenant=shop.tenant, member=member, kind="renewal", tier=tier,
                                amount_cents=2990, applied_at=now,
                                period_end_after=now + timedelta(days=20))
    months = selectors.monthly(tenant=shop.tenant, months=3)
    assert months[-1].mrr_cents == 2990 and months[0].mrr_cents == 0
    assert selectors.current_mrr_cents(tenant=shop.tenant) == months[-1].mrr_cents
    # Once the paid period is over, neither counts it.
    later = now + timedelta(days=21)
    assert selectors.current_mrr_cents(tenant=shop.tenant, now=later) == 0
    assert selectors.monthly(tenant=shop.tenant, months=1, now=later)[-1].mrr_cents == 0
    page = _client(shop.owner).get(reverse("portal:memberships", args=[shop.tenant.slug]))
    assert "MRR and churn per month" in page.content.decode()
