"""The disputes pages in a real browser, both languages, photographed to var/screens/disputes/
(list, detail with its deadline, the evidence summary, and the operators' overview)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from tests.sales.factories import mp  # noqa: F401
from tests.world import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path(django_settings.BASE_DIR) / "var" / "screens" / "disputes"


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
    return context, page, client


@pytest.mark.parametrize("language", ["pt-br", "en"])
def test_dispute_pages_in_both_languages(browser, live_server, mp, settings, language):  # noqa: F811
    settings.DISCORD_API_BASE_URL = "http://127.0.0.1:9/api"
    world = build(mp)
    SCREENS.mkdir(parents=True, exist_ok=True)
    slug = world.tenant.slug
    context, page, client = _page(browser, live_server, world.owner, language)
    try:
        page.goto(f"{live_server.url}{reverse('portal:disputes', args=[slug])}")
        assert page.locator("[data-testid=dispute-row]").count() == 1
        page.screenshot(path=str(SCREENS / f"disputes-{language}.png"), full_page=True)
        page.locator("[data-testid=dispute-row] a").first.click()
        assert page.locator("[data-testid=deadline-callout]").is_visible()
        assert page.locator("[data-testid=outcome-card]").is_visible()
        page.screenshot(path=str(SCREENS / f"dispute-detail-{language}.png"), full_page=True)
        # The evidence summary, as the owner opens it from the zip.
        client.cookies.load({django_settings.LANGUAGE_COOKIE_NAME: language})
        bundle = client.get(reverse("portal:dispute_evidence", args=[slug, world.dispute_id]))
        html = zipfile.ZipFile(io.BytesIO(bundle.content)).read("summary.html").decode()
        page.set_content(html)
        page.screenshot(path=str(SCREENS / f"evidence-{language}.png"), full_page=True)
    finally:
        context.close()
    context, page, _client = _page(browser, live_server, world.operator, language)
    try:
        page.goto(f"{live_server.url}{reverse('admin:ops')}")
        assert page.locator("[data-testid=ops-disputes-table]").is_visible()
        page.screenshot(path=str(SCREENS / f"ops-{language}.png"), full_page=True)
    finally:
        context.close()
