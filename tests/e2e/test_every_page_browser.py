"""Every portal and admin page in a real browser, in both languages: each opens, carries the
favicon and a title of its own, and is photographed to var/test-artifacts/pages/ to be looked at."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import ARTIFACTS
from tests.pages import admin_pages, portal_pages
from tests.sales.factories import mp  # noqa: F401
from tests.world import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LANGUAGES = ["pt-br", "en"]


def _signed_in(browser, live_server, user, language: str):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1360, "height": 860}, locale="en-US")
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies([
        {"name": settings.SESSION_COOKIE_NAME, "domain": host, "path": "/",
         "value": client.cookies[settings.SESSION_COOKIE_NAME].value},
        {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "domain": host, "path": "/"},
    ])
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def _visit_all(page, live_server, pages, language: str) -> list[str]:
    folder = ARTIFACTS / "pages" / language
    folder.mkdir(parents=True, exist_ok=True)
    problems = []
    for name, path in pages:
        response = page.goto(f"{live_server.url}{path}")
        if response is None or response.status != 200:
            problems.append(f"{name}: HTTP {response and response.status}")
            continue
        title = page.title()
        if not title or title.lstrip().startswith(("·", "|")) or "Vitrine · Vitrine" in title:
            problems.append(f"{name}: title {title!r}")
        if not page.locator("link[rel=icon]").count():
            problems.append(f"{name}: no favicon")
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_portal_and_admin_page_renders(browser, live_server, mp, settings, language):  # noqa: F811
    settings.DISCORD_API_BASE_URL = "http://127.0.0.1:9/api"
    world = build(mp)
    problems = []
    for user, pages in ((world.owner, portal_pages(world)), (world.operator, admin_pages(world))):
        context, page = _signed_in(browser, live_server, user, language)
        try:
            problems += _visit_all(page, live_server, pages, language)
        finally:
            context.close()
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_error_pages_are_branded(page, live_server, language, screenshot):
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language,
                               "url": live_server.url}])
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404
    assert page.locator("[data-testid=error-page]").is_visible()
    assert page.locator("html").get_attribute("lang") == language
    screenshot(page, f"error-404-{language}")
    favicon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(f"{live_server.url}{favicon}").status == 200
