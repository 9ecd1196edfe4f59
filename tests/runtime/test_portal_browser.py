"""The bot page in a real browser: a running bot, then a crash loop, with screenshots."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from runtime import controller, services
from runtime.models import BotRuntime, Desired, Observed
from tests.runtime.fakes import FakeBackend

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(browser, live_server, user, lang: str):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    host = live_server.url.split("//")[1].split(":")[0]
    context.add_cookies([
        {"name": settings.SESSION_COOKIE_NAME,
         "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "domain": host,
         "path": "/"},
        {"name": "vitrine_language", "value": lang, "domain": host, "path": "/"},
    ])
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


@pytest.mark.parametrize("lang", ["pt-br", "en"])
def test_bot_page(browser, live_server, shop, screenshot, monkeypatch, settings, lang) -> None:
    engine = FakeBackend()
    token = "MTIz" + "x" * 40
    engine.logs = lambda instance, tail=200: (
        "line: bot starting (discord.py 2.4)\n"
        f"line: DEBUG login with token {token}\n"
        "line: READY as Loja Alfa#0001, 1 guild\n")
    monkeypatch.setattr(controller, "get_backend", lambda: engine)
    services.runtime_set_discord_token(tenant=shop.tenant, token=token, actor=shop.owner)
    services.runtime_set_desired(tenant=shop.tenant, state=Desired.RUNNING, reason="t")
    controller.sync_tenant(shop.tenant.pk)
    services.runtime_heartbeat(tenant=shop.tenant, latency_ms=41)
    BotRuntime.objects.for_tenant(shop.tenant).update(
        started_at=timezone.now() - timedelta(hours=3, minutes=5))
    controller.run_pass()  # the runtime worker records what the page shows
    context, page = _login(browser, live_server, shop.owner, lang)
    try:
        page.goto(f"{live_server.url}/app/t/{shop.tenant.slug}/bot/")
        state = page.locator("[data-testid=bot-state]")
        assert state.get_attribute("data-state") == Observed.RUNNING
        assert "MB" in page.locator("[data-testid=bot-memory]").inner_text()
        logs = page.locator("[data-testid=bot-logs]").inner_text()
        assert logs.startswith("line") and "READY" in logs
        assert token not in logs and "[redacted]" in logs
        screenshot(page, f"runtime-bot-running-{lang}")

        engine.exit(shop.tenant.pk, 78)
        controller.run_pass()
        page.locator("[data-testid=bot-logs-refresh]").click()
        page.reload()
        assert state.get_attribute("data-state") == Observed.MISCONFIGURED
        assert page.locator("[data-testid=bot-reason]").is_visible()
        screenshot(page, f"runtime-bot-misconfigured-{lang}")

        page.locator("[data-testid=bot-stop]").click()
        page.wait_for_load_state()
        runtime = BotRuntime.objects.for_tenant(shop.tenant).get()
        assert runtime.desired_state == Desired.STOPPED
    finally:
        context.close()
