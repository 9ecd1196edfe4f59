"""The trust pages in a real browser, in both languages, photographed to var/screens/trust/
(reviews with a reply, the blocklist, the rules with an order waiting for approval)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import transaction
from django.urls import reverse

from payments.registry import Outcome, dispatch
from sales import services as sales
from tests.e2e.test_every_page_browser import _signed_in
from tests.sales import factories as f
from tests.sales.factories import mp  # noqa: F401
from tests.world import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path(__file__).resolve().parents[2] / "var" / "screens" / "trust"


@pytest.mark.parametrize("language", ["pt-br", "en"])
def test_trust_pages(browser, live_server, mp, settings, language):  # noqa: F811
    settings.DISCORD_API_BASE_URL = "http://127.0.0.1:9/api"
    world = build(mp)
    tenant = world.tenant
    big = f.variant(f.product(tenant, name="Conta Rara"), label="Única", price_cents=90000,
                    keys=1)
    buyer = f.customer(tenant, "555666777888999000", "Novo Comprador")
    sales.cart_add(customer=buyer, variant_id=big.pk, quantity=1)
    held = sales.checkout(customer=buyer)
    with transaction.atomic():
        dispatch(held.payment, Outcome.APPROVED)
    held.order.refresh_from_db()
    assert held.order.status == "on_hold"
    SCREENS.mkdir(parents=True, exist_ok=True)
    context, page = _signed_in(browser, live_server, world.owner, language)
    try:
        for name, url in (("reviews", "portal:trust_reviews"), ("blocks", "portal:trust_blocks"),
                          ("rules", "portal:trust_rules")):
            response = page.goto(live_server.url + reverse(url, args=[tenant.slug]))
            assert response.status == 200
            page.screenshot(path=str(SCREENS / f"{name}-{language}.png"), full_page=True)
        response = page.goto(live_server.url + reverse(
            "portal:order_detail", args=[tenant.slug, held.order.code]))
        page.screenshot(path=str(SCREENS / f"held-order-{language}.png"), full_page=True)
        page.get_by_test_id("release-order").click()
        page.wait_for_load_state()
        held.order.refresh_from_db()
        assert held.order.status != "on_hold"
    finally:
        context.close()
