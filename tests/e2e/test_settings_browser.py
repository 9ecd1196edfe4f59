"""The owner sets the bot's Discord channels on the settings page, in a real browser."""

from __future__ import annotations

import pytest

from tenants.models import Tenant
from tests.e2e.test_portal_browser import owner, sign_in  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_sets_log_and_fallback_channels(page, live_server, owner, screenshot):  # noqa: F811
    sign_in(page, live_server, "dona@example.com", "senha-forte-123")
    page.wait_for_url("**/app/t/loja-cristal/")
    page.goto(f"{live_server.url}/app/t/loja-cristal/settings/")
    assert page.locator("#discord h2").inner_text() == "Discord"

    page.fill("#id_log_channel_id", "12ab")  # not a channel id: refused, nothing saved
    page.click("#discord button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#discord .error").first.is_visible()
    assert "log_channel_id" not in (Tenant.objects.get(slug="loja-cristal").settings or {})
    screenshot(page, "settings-discord-error-pt-br")

    page.fill("#id_log_channel_id", "123456789012345678")
    page.fill("#id_fallback_channel_id", "223456789012345678")
    page.uncheck("#id_notify_low_stock")
    page.click("#discord button[type=submit]")
    page.wait_for_load_state()
    assert page.get_by_text("Configurações salvas.").is_visible()
    settings = Tenant.objects.get(slug="loja-cristal").settings
    assert settings["log_channel_id"] == "123456789012345678"
    assert settings["fallback_channel_id"] == "223456789012345678"
    assert settings["notify_sales"] is True and settings["notify_low_stock"] is False
    screenshot(page, "settings-discord-pt-br")

    page.click("[data-testid=lang-en]")
    page.wait_for_load_state()
    assert page.get_by_text("Staff log channel id").is_visible()
    assert page.locator("#id_log_channel_id").input_value() == "123456789012345678"
    screenshot(page, "settings-discord-en")
