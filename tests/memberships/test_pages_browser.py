"""The memberships owner pages in a real browser (Debian's chromium), in both languages,
photographed to var/screens/memberships/ to be looked at."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from memberships import services
from memberships.models import Member, MemberCharge, Tier
from sales.models import Customer
from tests.e2e.test_every_page_browser import _signed_in
from tests.pages import portal_pages
from tests.sales.factories import mp  # noqa: F401
from tests.world import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path(__file__).resolve().parents[2] / "var" / "screens" / "memberships"


def _more_members(world) -> None:
    """A few members in every status, and paid months, so the pages look lived in."""
    tenant, now = world.tenant, timezone.now()
    vip = Tier.objects.for_tenant(tenant).get(name="VIP")
    names = [("Bruna", "active"), ("Caio", "past_due"), ("Duda", "cancelled"),
             ("Enzo", "ended"), ("Fê", "trialing")]
    for i, (name, status) in enumerate(names):
        buyer = Customer.objects.create(tenant=tenant, discord_user_id=f"51{i:016d}",
                                        display_name=name)
        member = services.member_grant(tenant=tenant, actor=world.owner, customer=buyer,
                                       tier=vip, days=20 + i, reason="demo")
        Member.objects.for_tenant(tenant).filter(pk=member.pk).update(
            status=status, method="pix",
            ended_at=now if status == "ended" else None,
            grace_ends_at=now + timedelta(days=2) if status == "past_due" else None)
        for months_ago in range(i % 4 + 1):
            end = now - timedelta(days=30 * months_ago) + timedelta(days=10)
            MemberCharge.objects.create(tenant=tenant, member=member, kind="renewal",
                                        tier=vip, amount_cents=vip.price_cents,
                                        applied_at=end - timedelta(days=30),
                                        period_end_after=end)


@pytest.mark.parametrize("language", ["pt-br", "en"])
def test_membership_pages_render_and_are_photographed(browser, live_server, mp, settings,  # noqa: F811
                                                     language):
    settings.DISCORD_API_BASE_URL = "http://127.0.0.1:9/api"
    world = build(mp)
    _more_members(world)
    pages = [(n, p) for n, p in portal_pages(world) if n.startswith("membership")]
    assert len(pages) == 5
    folder = SCREENS / language
    folder.mkdir(parents=True, exist_ok=True)
    context, page = _signed_in(browser, live_server, world.owner, language)
    try:
        for name, path in pages:
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status == 200, name
            assert page.locator("[data-testid=membership-tabs]").count() or \
                name == "membership-member"
            page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        page.goto(f"{live_server.url}{pages[0][1]}")
        rows = page.locator("[data-testid=member-row]").count()
        assert rows == 6
    finally:
        context.close()
