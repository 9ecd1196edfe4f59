"""The Plano page in chromium, pt-BR and English (screenshots in var/test-artifacts/)."""

from __future__ import annotations

import pytest

from tenants import quotas
from tenants.models import User
from tenants.services import tenant_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),]


@pytest.fixture
def owner(plans) -> User:
    user = User.objects.create_user(username="dona", email="dona@example.com",
                                    password="senha-forte-123", first_name="Dona")
    tenant = tenant_create(owner=user, name="Loja Cristal")
    quotas.usage_set(tenant=tenant, metric=quotas.ACTIVE_PRODUCTS, value=17)
    quotas.usage_record(tenant=tenant, metric=quotas.ORDERS_PER_MONTH, delta=42)
    return user


def test_plan_page_in_both_languages(page, live_server, owner, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", "dona@example.com")
    page.fill("#id_password", "senha-forte-123")
    page.click("[data-testid=email-login]")
    page.wait_for_url("**/app/t/loja-cristal/")

    page.goto(f"{live_server.url}/app/t/loja-cristal/plan/")
    assert page.locator("[data-testid=subscription-status]").is_visible()
    assert page.locator("[data-testid=usage-active_products]").inner_text().count("17") == 1
    assert page.locator("[data-testid=plan-ladder] section.tier").count() == 3
    assert page.locator("[data-testid=choose-pro]").is_visible()
    screenshot(page, "billing-plan-pt-br")

    page.context.add_cookies([{"name": "vitrine_language", "value": "en",
                               "url": live_server.url}])
    page.reload()
    assert page.locator("h1").inner_text() == "Plan"
    assert page.get_by_text("Compare plans").is_visible()
    screenshot(page, "billing-plan-en")
