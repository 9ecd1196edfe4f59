"""The catalog and sales pages in a real browser, in pt-BR and English, with screenshots."""

from __future__ import annotations

import pytest

from sales import services
from sales.models import Customer
from tests.sales import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def filled(shop):
    prod = f.product(shop.tenant, description="Chave **vitalícia** para o jogo.",
                     category="Jogos")
    v = f.variant(prod, keys=12, emoji="🔑", low_stock_threshold=5)
    f.variant(prod, label="Vitalício", price_cents=4990, fulfillment="content",
              content="https://example.com/download", role_id="1234")
    f.product(shop.tenant, name="Cargo VIP", category="Discord")
    f.coupon(shop.tenant, code="BEMVINDO")
    for i, name in enumerate(["Ana", "Bruno", "Carla"]):
        buyer = f.customer(shop.tenant, discord_user_id=str(100 + i), name=name)
        services.cart_add(customer=buyer, variant_id=v.pk, quantity=i + 1)
        order = services.order_create_from_cart(customer=buyer)
        if i == 0:
            services.order_cancel(order=order, actor_user=shop.owner)
    Customer.objects.for_tenant(shop.tenant).filter(display_name="Carla").update(is_blocked=True)
    return shop


def _login(browser, live_server, user, lang: str):
    from django.conf import settings
    from django.contrib.auth import SESSION_KEY, get_user_model  # noqa: F401
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1360, "height": 860})
    host = live_server.url.split("//")[1].split(":")[0]
    context.add_cookies([
        {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[
            settings.SESSION_COOKIE_NAME].value, "domain": host, "path": "/"},
        {"name": "vitrine_language", "value": lang, "domain": host, "path": "/"},
    ])
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


@pytest.mark.parametrize("lang", ["pt-br", "en"])
def test_commerce_pages(browser, live_server, filled, screenshot, lang):
    shop = filled
    context, page = _login(browser, live_server, shop.owner, lang)
    base = f"{live_server.url}/app/t/{shop.tenant.slug}"
    try:
        page.goto(f"{base}/shop/")
        assert page.locator("[data-testid=product-row]").count() == 2
        assert page.locator("html").get_attribute("lang") == lang
        if lang == "en":
            assert page.get_by_role("link", name="Coupons").is_visible()
        screenshot(page, f"commerce-products-{lang}")

        page.locator("[data-testid=product-row] a").first.click()
        page.wait_for_selector("[data-testid=variant-table]")
        assert "vitalícia" in page.locator("[data-testid=description-preview] strong").inner_text()
        screenshot(page, f"commerce-product-{lang}")

        page.locator("a[href*='/stock/']").first.click()
        page.wait_for_selector("[data-testid=stock-counts]")
        page.fill("#id_text", "NOVA-1\nNOVA-2\nNOVA-1")
        page.locator("[data-testid=stock-upload] button[type=submit]").click()
        page.wait_for_selector(".message.success")
        screenshot(page, f"commerce-stock-{lang}")

        page.goto(f"{base}/shop/coupons/")
        assert page.locator("[data-testid=coupon-table] tbody tr").count() == 1
        screenshot(page, f"commerce-coupons-{lang}")

        page.goto(f"{base}/shop/messages/")
        page.fill("[data-testid=template-body]", "Olá {{buyer}}, total {{total}}")
        page.wait_for_function(
            "document.querySelector('[data-testid=template-preview]').innerText"
            ".includes('@comprador, total R$ 19,90')")
        screenshot(page, f"commerce-messages-{lang}")

        page.goto(f"{base}/orders/")
        assert page.locator("[data-testid=order-row]").count() == 3
        page.select_option("#id_status", "cancelled")
        page.locator("[data-testid=order-filters] button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("[data-testid=order-row]").count() == 1
        page.goto(f"{base}/orders/")
        screenshot(page, f"commerce-orders-{lang}")

        page.locator("[data-testid=order-row] a").first.click()
        page.wait_for_selector("[data-testid=order-timeline]")
        assert page.locator("[data-testid=order-timeline] li").count() >= 1
        screenshot(page, f"commerce-order-detail-{lang}")

        page.goto(f"{base}/customers/")
        assert page.locator("[data-testid=customer-row]").count() == 3
        page.locator("[data-testid=block]").first.click()
        page.wait_for_selector(".message.success")
        screenshot(page, f"commerce-customers-{lang}")
    finally:
        context.close()
