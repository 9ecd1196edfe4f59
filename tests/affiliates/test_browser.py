"""The Afiliados page in a real browser, pt-BR and English (screenshots in var/screens/credit/)."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from affiliates import services
from sales import services as sales
from tenants.models import User
from tenants.services import tenant_create
from tests.credit.conftest import give_credit
from tests.sales import factories as f
from wallet import services as wallet_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path(__file__).resolve().parents[2] / "var" / "screens" / "credit"
OWN = SCREENS.parent / "affil2"  # the per-product commission form


@pytest.fixture
def owner() -> User:
    user = User.objects.create_user(username="dona", email="dona@example.com",
                                    password="senha-forte-123", first_name="Dona")
    tenant = tenant_create(owner=user, name="Loja Cristal")
    tenant.settings = {**tenant.settings, "affiliate_enabled": True, "affiliate_percent": 10}
    tenant.save()
    v = f.variant(f.product(tenant, name="Chave Steam"), price_cents=5000, keys=6)
    for i, name in enumerate(["Ana Afiliada", "Caio Indica"]):
        affiliate = services.affiliate_join(
            customer=f.customer(tenant, discord_user_id=str(100 + i), name=name))
        for j in range(2 - i):
            buyer = f.customer(tenant, discord_user_id=f"5{i}{j}", name="Comprador")
            services.referral_use(customer=buyer, code=affiliate.code)
            give_credit(buyer, 5000, payment_id=int(f"9{i}{j}"))
            sales.cart_add(customer=buyer, variant_id=v.pk)
            sales.checkout(customer=buyer, use_credit=True)
        if i == 0:
            wallet_services.releases_run(now=timezone.now() + timedelta(days=60))
            services.commissions_release_run()
    return user


def test_affiliates_page(page, live_server, owner, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", "dona@example.com")
    page.fill("#id_password", "senha-forte-123")
    page.click("[data-testid=email-login]")
    page.wait_for_url("**/app/t/loja-cristal/")
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/app/t/loja-cristal/affiliates/")
    assert page.locator("[data-testid=affiliate-row]").count() == 2
    paid = page.locator("[data-testid=affiliates-paid] .value").inner_text()
    assert paid == "R$ 10,00"  # 10% of two R$ 50 sales
    shutil.copy(screenshot(page, "affiliates-pt-br"), SCREENS / "affiliates-pt-br.png")
    row = page.locator("[data-testid=affiliate-product-row]").first
    row.locator("[data-testid=affiliate-product-percent]").fill("25")
    row.locator("button[type=submit]").click()
    page.wait_for_url("**/app/t/loja-cristal/affiliates/")
    assert row.locator("[data-testid=affiliate-product-percent]").input_value() == "25"
    OWN.mkdir(parents=True, exist_ok=True)
    shutil.copy(screenshot(page, "affiliates-products-pt-br"),
                OWN / "affiliates-products-pt-br.png")
    page.context.add_cookies([{"name": "vitrine_language", "value": "en",
                               "url": live_server.url}])
    page.goto(f"{live_server.url}/app/t/loja-cristal/affiliates/")
    assert page.locator("h1").inner_text() == "Affiliates"
    shutil.copy(screenshot(page, "affiliates-en"), SCREENS / "affiliates-en.png")
    shutil.copy(screenshot(page, "affiliates-products-en"), OWN / "affiliates-products-en.png")


MINE = SCREENS.parent / "affil3"  # link clicks, withdrawals, partial reversals


def test_affiliates_page_with_clicks_and_withdrawals(page, live_server, owner, screenshot):
    from affiliates.models import Affiliate, Click

    ana = Affiliate.objects.unscoped().select_related("tenant").get(
        customer__display_name="Ana Afiliada")
    tenant = ana.tenant
    tenant.settings = {**tenant.settings, "min_withdrawal_cents": 500}
    tenant.save()
    for _i in range(3):
        Click.objects.create(tenant=tenant, affiliate=ana)
    services.affiliate_withdraw(affiliate=ana, amount_cents=600, pix_key_type="evp",
                                pix_key="123e4567-e89b-42d3-a456-426614174000",
                                request_key="shot")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", "dona@example.com")
    page.fill("#id_password", "senha-forte-123")
    page.click("[data-testid=email-login]")
    page.wait_for_url("**/app/t/loja-cristal/")
    MINE.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/app/t/loja-cristal/affiliates/")
    assert page.locator("[data-testid=affiliates-clicks] .value").inner_text() == "3"
    assert page.locator("[data-testid=affiliate-withdrawal-row]").count() == 1
    assert page.locator("[data-testid=affiliates-withdrawn] .hint").inner_text() == \
        "R$ 6,00 aguardando a equipe"
    shutil.copy(screenshot(page, "affil3-affiliates-pt-br"), MINE / "affiliates-pt-br.png")
    page.context.add_cookies([{"name": "vitrine_language", "value": "en",
                               "url": live_server.url}])
    page.goto(f"{live_server.url}/app/t/loja-cristal/affiliates/")
    assert page.locator("[data-testid=affiliates-withdrawn] .hint").inner_text() == \
        "R$6.00 waiting for the team"
    shutil.copy(screenshot(page, "affil3-affiliates-en"), MINE / "affiliates-en.png")
