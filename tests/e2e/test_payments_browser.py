"""The owner connects their own Mercado Pago account in a real browser: Payments page,
Mercado Pago's consent page (the sandbox), back to the portal connected; then the access is
revoked and every page shows the banner. Screenshots in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from payments import providers
from payments.models import MercadoPagoConnection
from payments.providers.base import ProviderError
from tenants.models import Tenant
from tests.e2e.test_portal_browser import owner, sign_in  # noqa: F401
from tests.payments.providers.seller import SELLER, use_sandbox_oauth
from tests.sales.factories import mp  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path(__file__).resolve().parents[2] / "var" / "screens" / "providers"


def _shot(page, screenshot, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)
    screenshot(page, f"payments-{name}")


def test_owner_connects_mercado_pago_and_sees_the_revocation(page, live_server, owner,  # noqa: F811
                                                             mp, settings, screenshot):  # noqa: F811
    use_sandbox_oauth(settings, mp)
    settings.PUBLIC_URL = live_server.url
    sign_in(page, live_server, "dona@example.com", "senha-forte-123")
    page.wait_for_url("**/app/t/loja-cristal/")
    page.click("nav >> text=Pagamentos")
    page.wait_for_url("**/settings/payments/")
    assert page.locator("[data-testid=mp-status]").inner_text().strip() == "Não conectada"
    _shot(page, screenshot, "settings-pt-br")

    page.click("[data-testid=mp-connect]")
    page.wait_for_url(f"{mp.url}/authorization**")
    _shot(page, screenshot, "mercadopago-consent")
    page.locator("form", has_text=SELLER).get_by_role("button", name="Autorizar").click()
    page.wait_for_url("**/settings/payments/")
    assert page.get_by_text("Sua conta do Mercado Pago está conectada.").is_visible()
    assert "Conectada" in page.locator("[data-testid=mp-status]").inner_text()
    page.check("input[name=mp_account][value=own]")
    page.click("[data-testid=payment-settings-save]")
    page.wait_for_load_state()
    assert page.get_by_text("Configurações de pagamento salvas.").is_visible()
    tenant = Tenant.objects.get(slug="loja-cristal")
    assert tenant.settings["mp_account"] == "own"
    _shot(page, screenshot, "connected-pt-br")

    page.click("[data-testid=lang-en]")
    page.wait_for_load_state()
    assert page.get_by_text("Your Mercado Pago account").is_visible()
    _shot(page, screenshot, "connected-en")

    # The seller removes Vitrine in Mercado Pago's panel; the next call meets the 401.
    requests.post(f"{mp.url}/_sandbox/oauth/revoke", json={"user_id": SELLER}, timeout=5)
    with pytest.raises(ProviderError):
        providers.get("mercadopago_seller", tenant_id=tenant.pk).find_charge("x")
    assert MercadoPagoConnection.objects.for_tenant(tenant).get().status == "revoked"
    page.goto(f"{live_server.url}/app/t/loja-cristal/")
    banner = page.locator("[data-testid=mp-banner]")
    assert banner.is_visible() and "revoked Vitrine's access" in banner.inner_text()
    _shot(page, screenshot, "revoked-banner-en")
    page.click("[data-testid=lang-pt]")
    page.wait_for_load_state()
    assert "revogou o acesso da Vitrine" in page.locator("[data-testid=mp-banner]").inner_text()
    _shot(page, screenshot, "revoked-banner-pt-br")
    page.locator("[data-testid=mp-banner] a").click()
    page.wait_for_url("**/settings/payments/**")
    assert page.locator("[data-testid=mp-blocker]").is_visible()
    _shot(page, screenshot, "revoked-settings-pt-br")
