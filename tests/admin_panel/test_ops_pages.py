"""Ops pages: who may open them, what they show, and the audit CSV export."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

import audit
from tests.sales.factories import mp  # noqa: F401

OPS_PAGES = ["admin:ops", "admin:ops_audit", "admin:ops_diagnostics", "admin:ops_business"]


@pytest.mark.parametrize("name", OPS_PAGES)
def test_ops_pages_access(name, shop, monitor, operator, client_for, settings):
    settings.DISCORD_API_BASE_URL = "http://127.0.0.1:9/api"  # diagnostics must not wait
    settings.DIAGNOSTICS_ENGINE_WAIT_SECONDS = 0.2
    url = reverse(name)
    assert client_for(operator).get(url).status_code == 200
    assert client_for(monitor).get(url).status_code == 200
    for outsider in (Client(), client_for(shop.owner)):
        response = outsider.get(url)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_audit_filters_and_csv_export(shop, other_shop, operator, client_for):
    audit.record(actor=shop.owner, tenant=shop.tenant, action="wallet.withdrawal.request",
                 target=shop.tenant, data={"amount_cents": 5000})
    audit.record(actor=other_shop.owner, tenant=other_shop.tenant, action="wallet.withdrawal.x",
                 target=other_shop.tenant, data={"formula": "=HYPERLINK()"})
    client = client_for(operator)
    page = client.get(reverse("admin:ops_audit"), {"tenant": shop.tenant.slug,
                                                   "action": "wallet."})
    assert page.status_code == 200
    events = list(page.context["page"])
    assert [e.action for e in events] == ["wallet.withdrawal.request"]

    export = client.get(reverse("admin:ops_audit"), {"action": "wallet.", "format": "csv"})
    assert export["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0][:4] == ["created_at", "actor", "tenant", "action"]
    assert {row[3] for row in rows[1:]} == {"wallet.withdrawal.request", "wallet.withdrawal.x"}
    assert all(not row[6].startswith("=") for row in rows[1:])


def test_audit_rejects_inverted_dates(operator, client_for):
    response = client_for(operator).get(reverse("admin:ops_audit"),
                                         {"since": "2026-02-01", "until": "2026-01-01"})
    assert response.status_code == 400
    bad = client_for(operator).get(reverse("admin:ops_audit"), {"since": "not-a-date"})
    assert bad.status_code == 400


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_ops_pages_render_in_a_browser(page, live_server, screenshot, settings):
    from tests.conftest import make_user

    make_user("opsuser", is_staff=True, is_superuser=True)
    settings.DISCORD_API_BASE_URL = "http://127.0.0.1:9/api"
    settings.DIAGNOSTICS_ENGINE_WAIT_SECONDS = 0.2
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "opsuser")
    page.fill("#id_password", "pw-opsuser")
    screenshot(page, "admin-login")
    page.click("#login-form [type=submit]")
    page.wait_for_url("**/admin/")
    for name, path in (("ops-overview", "ops/"), ("ops-audit", "ops/audit/"),
                       ("ops-diagnostics", "ops/diagnostics/"), ("ops-business", "ops/business/")):
        page.goto(f"{live_server.url}/admin/{path}")
        assert page.locator("#content-main").is_visible()
        screenshot(page, name)
    page.goto(f"{live_server.url}/admin/ops/business/?days=90")
    page.wait_for_selector("[data-charts=drawn]")  # Chart.js (served locally) drew them


def test_business_figures(shop, operator, client_for, mp):  # noqa: F811
    from billing.services import subscription_extend_manual
    from payments.registry import Outcome, dispatch
    from sales import services
    from tenants.models import PlanVersion, Subscription
    from tests.sales import factories as f

    variant = f.variant(f.product(shop.tenant), price_cents=5000, keys=1)
    buyer = f.customer(shop.tenant)
    services.cart_add(customer=buyer, variant_id=variant.pk, quantity=1)
    dispatch(services.checkout(customer=buyer).payment, Outcome.APPROVED)
    pro = PlanVersion.objects.get(plan__slug="pro", active=True)
    subscription_extend_manual(subscription=Subscription.objects.for_tenant(shop.tenant).get(),
                               actor=operator, days=30, reason="test", version=pro)

    biz = client_for(operator).get(reverse("admin:ops_business")).context["biz"]
    assert biz["gmv_cents"] == 5000
    assert biz["fees_cents"] == 250  # the trial's 5%, when the sale happened
    assert biz["mrr_cents"] == pro.price_cents
    assert biz["cart_conversion"] == 100.0
    assert biz["series"]["gmv_cents"][-1] == 5000 and biz["series"]["orders"][-1] == 1
    assert len(biz["series"]["labels"]) == 30
    assert len(biz["churn"]) == 6 and biz["churn"][-1][1] == 0


def test_overview_counts_what_needs_attention(shop, operator, client_for):
    from runtime.models import BotRuntime
    from wallet.models import Withdrawal

    BotRuntime.objects.create(tenant=shop.tenant, observed_state="crashlooping",
                              reason="exits at once")
    ops = client_for(operator).get(reverse("admin:ops")).context["ops"]
    assert [bot.tenant for bot in ops["bots_failing"]] == [shop.tenant]
    assert dict(ops["bots_by_state"]) == {"crashlooping": 1}
    assert ops["withdrawals_waiting"] == Withdrawal.objects.unscoped().filter(
        status="pending").count() == 0
    assert set(ops["queues"]) == {"default", "fulfillment", "runtime"}


def test_churn_counts_suspended_shops_once(shop, operator, client_for):
    from tenants.models import Subscription, SubscriptionEvent

    subscription = Subscription.objects.for_tenant(shop.tenant).get()
    for status in ("past_due", "suspended", "suspended"):
        SubscriptionEvent.objects.create(tenant=shop.tenant, subscription=subscription,
                                         kind="suspended", to_status=status)
    biz = client_for(operator).get(reverse("admin:ops_business")).context["biz"]
    assert biz["churn"][-1][1] == 1
