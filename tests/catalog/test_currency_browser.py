"""Prices per currency and the wallet in dollars, in a real browser, pt-BR and English,
photographed to var/screens/currency/ to be looked at: the variant editor with its prices in
other currencies, the product's variant list, the wallet by currency and the statement
filtered by currency."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from catalog import services as catalog_services
from money import format_money
from tenants.models import User
from tenants.services import tenant_create
from tests.sales import factories as f
from wallet import services as wallet_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path(django_settings.BASE_DIR) / "var" / "screens" / "currency"


@pytest.fixture
def shop_world():
    owner = User.objects.create_user(username="dona", email="dona@example.com",
                                     password="senha-forte-123", first_name="Dona")
    tenant = tenant_create(owner=owner, name="Loja Cristal")
    variant = f.variant(f.product(tenant, "Curso de Python"), label="Vitalício",
                        price_cents=19990, keys=2)
    catalog_services.variant_save(product=variant.product, actor=owner, variant=variant,
                                  prices={"USD": 3990, "EUR": 3690})
    wallet_services.sale_record(tenant=tenant, payment_id=1, gross_cents=19990, method="pix",
                                fee_percent=Decimal("5"))
    wallet_services.sale_record(tenant=tenant, payment_id=2, gross_cents=3990, method="card",
                                fee_percent=Decimal("5"), currency="USD")
    return owner, tenant, variant


def _page(browser, live_server, user, language: str):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1360, "height": 860}, locale="en-US")
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies([
        {"name": django_settings.SESSION_COOKIE_NAME, "domain": host, "path": "/",
         "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value},
        {"name": django_settings.LANGUAGE_COOKIE_NAME, "value": language, "domain": host,
         "path": "/"}])
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


@pytest.mark.parametrize("language", ["pt-br", "en"])
def test_currency_pages_in_both_languages(browser, live_server, shop_world, language):
    owner, tenant, variant = shop_world
    SCREENS.mkdir(parents=True, exist_ok=True)
    slug = tenant.slug
    locale = "pt_BR" if language == "pt-br" else "en"
    context, page = _page(browser, live_server, owner, language)
    try:
        page.goto(live_server.url + reverse("portal:variant_edit", args=[slug, variant.pk]))
        assert page.locator("#id_price_usd").input_value() == (
            "39,90" if language == "pt-br" else "39.90")
        assert page.locator("#id_price_brl").count() == 0
        label = page.locator("label[for=id_price_usd]").inner_text()
        assert label == ("Preço em dólares americanos (US$)" if language == "pt-br"
                         else "Price in US dollars (US$)")
        page.screenshot(path=str(SCREENS / f"variant-editor-{language}.png"), full_page=True)
        # A bad dollar price: the form comes back with the error, nothing saved.
        page.fill("#id_price_usd", "abc")
        page.click("form.form button[type=submit]")
        page.wait_for_load_state()
        assert page.locator(".errorlist, [role=alert]").count() >= 1
        page.screenshot(path=str(SCREENS / f"variant-editor-error-{language}.png"),
                        full_page=True)
        page.goto(live_server.url + reverse("portal:product_edit",
                                            args=[slug, variant.product_id]))
        assert page.locator("[data-price=USD]").inner_text() == format_money(
            3990, "USD", locale=locale)
        page.screenshot(path=str(SCREENS / f"product-variants-{language}.png"), full_page=True)
        page.goto(live_server.url + reverse("portal:wallet", args=[slug]))
        assert page.locator("[data-testid=wallet-currencies] tr[data-currency=USD]").count() == 1
        page.screenshot(path=str(SCREENS / f"wallet-{language}.png"), full_page=True)
        page.goto(live_server.url + reverse("portal:wallet_statement", args=[slug]))
        page.select_option("#id_currency", "USD")
        page.click("[data-testid=statement-filters] button[type=submit]")
        page.wait_for_load_state()
        assert page.locator("[data-testid=statement-row]").count() == 1
        assert page.locator("[data-book=BRL]").count() == 0
        assert format_money(3790, "USD", locale=locale) in page.locator(
            "[data-testid=statement-table]").inner_text().replace("\xa0", " ")
        page.screenshot(path=str(SCREENS / f"statement-usd-{language}.png"), full_page=True)
    finally:
        context.close()
