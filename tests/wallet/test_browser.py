"""The Carteira page in a real browser, pt-BR and English, with screenshots."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tenants.models import User
from tenants.services import tenant_create
from wallet import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def owner() -> User:
    user = User.objects.create_user(username="dona", email="dona@example.com",
                                    password="senha-forte-123", first_name="Dona")
    tenant = tenant_create(owner=user, name="Loja Cristal")
    for i, gross in enumerate([12990, 4990, 25000, 9900, 3500]):
        services.sale_record(tenant=tenant, payment_id=i + 1, gross_cents=gross,
                             method="pix" if i % 2 else "card")
    services.releases_run(now=timezone.now() + timedelta(days=2))
    services.withdrawal_request(tenant=tenant, actor=user, amount_cents=2000,
                                pix_key_type="email", pix_key="dona@example.com")
    return user


def sign_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", "dona@example.com")
    page.fill("#id_password", "senha-forte-123")
    page.click("[data-testid=email-login]")
    page.wait_for_url("**/app/t/loja-cristal/")


def test_wallet_page_and_withdrawal(page, live_server, owner, screenshot):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/app/t/loja-cristal/wallet/")
    assert page.locator("[data-testid=daily-chart] rect").count() == 30
    screenshot(page, "wallet-pt-br")
    page.fill("#id_amount", "10,00")
    page.select_option("#id_pix_key_type", "evp")
    page.fill("#id_pix_key", "123e4567-e89b-42d3-a456-426614174000")
    page.click("[data-testid=withdraw-submit]")
    page.wait_for_load_state()
    assert page.locator("[data-testid=withdrawal-row]").count() == 2
    page.context.add_cookies([{"name": "vitrine_language", "value": "en",
                               "url": live_server.url}])
    page.goto(f"{live_server.url}/app/t/loja-cristal/wallet/")
    assert page.locator("h1").inner_text() == "Wallet"
    screenshot(page, "wallet-en")
    page.goto(f"{live_server.url}/app/t/loja-cristal/wallet/statement/")
    assert page.locator("[data-testid=statement-row]").count() >= 5
    screenshot(page, "wallet-statement-en")
