"""The SMM and custom-field pages in a real browser, in both languages, photographed to
var/screens/smm/ (and looked at): the fields editor, the panel page with its low-balance
warning and panel orders, the service of a variant, and an order showing the buyer's answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from catalog.models import Variant
from smm.models import PanelOrder
from tests.e2e.test_every_page_browser import _signed_in
from tests.sales.factories import mp  # noqa: F401
from tests.world import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path(__file__).resolve().parents[2] / "var" / "screens" / "smm"
EXPECT = {
    "pt-br": {"fields": "Campos personalizados", "panel": "Pedidos recentes no painel",
              "service": "Campo do link", "order": "Link do perfil",
              "developers": "Endpoints de webhook"},
    "en": {"fields": "Custom fields", "panel": "Recent panel orders",
           "service": "Link field", "order": "Link do perfil",
           "developers": "Webhook endpoints"},
}


@pytest.mark.parametrize("language", ["pt-br", "en"])
def test_smm_pages(browser, live_server, mp, settings, language):  # noqa: F811
    settings.DISCORD_API_BASE_URL = "http://127.0.0.1:9/api"
    world = build(mp)
    slug = world.tenant.slug
    variant = Variant.objects.for_tenant(world.tenant).get(fulfillment="service")
    order = PanelOrder.objects.for_tenant(world.tenant).get().order
    pages = {
        "fields": reverse("portal:product_fields", args=[slug, variant.product_id]),
        "panel": reverse("portal:smm_panel", args=[slug]),
        "service": reverse("portal:smm_service", args=[slug, variant.pk]),
        "order": reverse("portal:order_detail", args=[slug, order.code]),
        "product": reverse("portal:product_edit", args=[slug, variant.product_id]),
        "developers": reverse("portal:developers", args=[slug]),
    }
    SCREENS.mkdir(parents=True, exist_ok=True)
    context, page = _signed_in(browser, live_server, world.owner, language)
    try:
        for name, path in pages.items():
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status == 200, name
            if name in EXPECT[language]:
                assert page.get_by_text(EXPECT[language][name]).first.is_visible(), name
            page.screenshot(path=str(SCREENS / f"{name}-{language}.png"), full_page=True)
        page.goto(f"{live_server.url}{pages['panel']}")
        assert page.locator("[data-testid=balance-low]").is_visible()
        assert page.locator("[data-testid=panel-orders] tbody tr").count() == 1
    finally:
        context.close()
