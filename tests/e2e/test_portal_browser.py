"""A shop owner in a real browser: sign in with email, dashboard in pt-BR, switch to English."""

from __future__ import annotations

import pytest

from tenants.models import User
from tenants.services import tenant_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def owner() -> User:
    user = User.objects.create_user(username="dona", email="dona@example.com",
                                    password="senha-forte-123", first_name="Dona")
    tenant_create(owner=user, name="Loja Cristal")
    return user


def sign_in(page, live_server, email: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", password)
    page.click("[data-testid=email-login]")


def test_sign_in_dashboard_and_language_switch(page, live_server, owner, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "pt-br"  # despite an en-US browser
    screenshot(page, "login-pt-br")
    sign_in(page, live_server, "dona@example.com", "senha-forte-123")

    page.wait_for_url("**/app/t/loja-cristal/")
    assert page.locator("h1").inner_text() == "Olá, Dona"
    assert page.get_by_role("link", name="Pedidos").is_visible()
    screenshot(page, "dashboard-pt-br")

    page.click("[data-testid=lang-en]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Hello, Dona"
    assert page.get_by_role("link", name="Orders").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "dashboard-en")

    page.click("[data-action=toggle-theme]")
    assert page.locator("html").get_attribute("data-theme") in {"dark", "light"}
    page.evaluate("document.documentElement.dataset.theme = 'dark'")
    screenshot(page, "dashboard-en-dark")


def test_wrong_password_shows_an_error_and_stays_signed_out(page, live_server, owner):
    sign_in(page, live_server, "dona@example.com", "errada")
    assert page.locator(".form-error").is_visible()
    page.goto(f"{live_server.url}/app/instances/")
    assert "/accounts/login/" in page.url


def test_owner_creates_a_key_and_sees_it_once(page, live_server, owner, screenshot):
    sign_in(page, live_server, "dona@example.com", "senha-forte-123")
    page.wait_for_url("**/app/t/loja-cristal/")
    page.goto(f"{live_server.url}/app/t/loja-cristal/settings/")
    page.get_by_role("button", name="Criar chave").click()
    token = page.locator("#new-token")
    token.wait_for()
    assert token.inner_text().startswith("vtr_")
    screenshot(page, "settings-token-pt-br")
    page.reload()
    assert page.locator("#new-token").count() == 0


def test_phone_layout_hides_the_sidebar_behind_a_menu(browser, live_server, owner, screenshot):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    sign_in(page, live_server, "dona@example.com", "senha-forte-123")
    page.wait_for_url("**/app/t/loja-cristal/")
    sidebar = page.locator("#sidebar")
    assert sidebar.bounding_box()["x"] < 0  # off-screen until the menu opens
    page.locator(".topbar [data-action=toggle-nav]").click()
    page.wait_for_function("document.getElementById('sidebar').getBoundingClientRect().x >= 0")
    screenshot(page, "dashboard-phone-menu")
    context.close()
