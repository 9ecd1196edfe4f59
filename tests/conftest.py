"""Fixtures shared by every test: two shops, their people, and an outsider.

`shop` (tenant A) has an owner, a manager and a viewer; `other_shop` (tenant B) has its own
owner. `outsider` belongs to nothing. Ownership tests use these to show that the owner gets a
page and everyone else gets a 404.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client

from tenants.models import Membership, Role, Tenant, User
from tenants.services import tenant_create


@dataclass
class Shop:
    tenant: Tenant
    owner: User
    manager: User
    viewer: User


def make_user(username: str, **extra: object) -> User:
    user = User.objects.create_user(username=username, email=f"{username}@example.com",
                                    password="pw-" + username, first_name=username.title(),
                                    **extra)
    return user


def _shop(prefix: str, name: str) -> Shop:
    owner = make_user(f"{prefix}owner")
    tenant = tenant_create(owner=owner, name=name)
    manager, viewer = make_user(f"{prefix}manager"), make_user(f"{prefix}viewer")
    Membership.objects.create(tenant=tenant, user=manager, role=Role.MANAGER)
    Membership.objects.create(tenant=tenant, user=viewer, role=Role.VIEWER)
    return Shop(tenant=tenant, owner=owner, manager=manager, viewer=viewer)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # PBKDF2's deliberate slowness would dominate the suite's run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    # The cache is the real Redis: rate-limit counters (allauth, axes) must not leak across tests.
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _seeded_plans(request: pytest.FixtureRequest) -> None:
    """The plan ladder a migrated database holds (tenants 0003), there for every database test.

    A transactional test flushes every table when it ends, the migration's rows too: whichever
    test ran after one found shops without a plan (no card feature, no quotas) and failed only
    in that order."""
    if request.node.get_closest_marker("django_db") is not None:
        request.getfixturevalue("_django_db_helper")
    elif db_fixture := next((name for name in ("transactional_db", "db")
                             if name in request.fixturenames), None):
        request.getfixturevalue(db_fixture)
    else:
        return
    from django.apps import apps

    from tenants.models import Plan

    if not Plan.objects.exists():
        importlib.import_module("tenants.migrations.0003_seed_plans").seed(apps, None)


@pytest.fixture
def shop(db: None) -> Shop:
    return _shop("a", "Loja Alfa")


@pytest.fixture
def other_shop(db: None) -> Shop:
    return _shop("b", "Loja Beta")


@pytest.fixture
def outsider(db: None) -> User:
    return make_user("outsider")


@pytest.fixture
def operator(db: None) -> User:
    return make_user("operator", is_staff=True, is_superuser=True)


@pytest.fixture
def client_for():
    """A logged-in test client for a user: client_for(shop.owner).get(...)."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


# --- Browser: Playwright driving Debian's chromium (never a downloaded browser) ----------
ARTIFACTS = Path(__file__).resolve().parents[1] / "var" / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
# Native form controls (date, number) in the page's language: Blink draws them in the browser's
# UI locale, and Debian's chromium ships en-US only, so a pt-BR page showed mm/dd/yyyy whatever
# the context's `locale=` said. With this feature they follow `<html lang>`, like the page.
LANG_AWARE_CONTROLS = "--enable-blink-features=LangAttributeAwareFormControlUI"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", LANG_AWARE_CONTROLS]


# Module scope, not session: a live Playwright keeps an asyncio loop running in the main thread,
# which would break the pytest-asyncio tests (discord.py against the sandbox) that run later.
@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: apt-get install -y chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser) -> Iterator:
    context = browser.new_context(viewport={"width": 1360, "height": 860}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def monitor(db: None) -> User:
    """A read-only operator."""
    from django.contrib.auth.models import Group

    from admin_panel.roles import MONITOR, ensure_operator_groups

    ensure_operator_groups()
    user = make_user("monitor", is_staff=True)
    user.groups.add(Group.objects.get(name=MONITOR))
    return user
