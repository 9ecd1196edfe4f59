"""The corrected figures as people see them: Plano's active products, ops' beat pulse."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from admin_panel.models import Heartbeat
from admin_panel.tasks import record_beat
from catalog import services as catalog
from tenants.services import tenant_create
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, email: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", password)
    page.click("[data-testid=email-login]")


def test_plan_shows_the_active_products(page, live_server, screenshot):
    # A transactional test starts from flushed tables: seed the plan ladder again.
    importlib.import_module("tenants.migrations.0003_seed_plans").seed(apps, None)
    owner = make_user("dona")
    tenant = tenant_create(owner=owner, name="Loja Cristal")
    for name in ("Um", "Dois", "Três", "Quatro"):
        catalog.product_save(tenant=tenant, actor=owner, name=name, is_active=True)
    _sign_in(page, live_server, owner.email, "pw-dona")
    page.wait_for_url(f"**/app/t/{tenant.slug}/")
    page.context.add_cookies([{"name": "vitrine_language", "value": "pt-br",
                               "url": live_server.url}])
    page.goto(f"{live_server.url}/app/t/{tenant.slug}/plan/")
    usage = page.locator("[data-testid=usage-active_products]").inner_text()
    assert usage.split("\n")[-1].startswith("4 "), usage
    screenshot(page, "figures-plan-pt-br")


def test_ops_overview_shows_beat_pulse(page, live_server, screenshot):
    make_user("opsuser", is_staff=True, is_superuser=True)
    Heartbeat.objects.filter(name="beat").delete()
    record_beat()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "opsuser")
    page.fill("#id_password", "pw-opsuser")
    page.locator("[type=submit]").first.click()
    page.wait_for_url("**/admin/")
    page.context.add_cookies([{"name": "vitrine_language", "value": "pt-br",
                               "url": live_server.url}])
    page.goto(f"{live_server.url}/admin/ops/")
    tile = page.get_by_test_id("beat-last-seen").inner_text()
    assert "nunca" not in tile and "há" in tile, tile
    screenshot(page, "figures-ops-overview-pt-br")
