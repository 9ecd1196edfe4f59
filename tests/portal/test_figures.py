"""Every figure the owner and the operator read is true: each one checked against known data.

Dashboard (portal/dashboard.py), Plano usage (portal/views_billing.py through billing's
selectors) and the ops overview (admin_panel/selectors.py), asserted on the rendered HTML,
not only on the context, so a template that shows the wrong variable fails too.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine
from django.urls import reverse
from django.utils import timezone

from admin_panel.models import Heartbeat
from admin_panel.tasks import record_beat
from catalog import services as catalog
from money import format_money
from payments.registry import Outcome, dispatch
from sales import services
from tenants.models import User
from tests.sales import factories as f
from tests.sales.factories import mp  # noqa: F401
from wallet.selectors import balances
from wallet.services import releases_run

# 15:00 in São Paulo on 2026-12-15: "today" and "this month" are unambiguous.
NOW = datetime(2026, 12, 15, 18, 0, tzinfo=UTC)


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _stat(response, label: str) -> str:
    """The value printed right after a dashboard stat's label."""
    match = re.search(re.escape(label) + r" (\S+(?: [\d.,]+)?)", _text(response))
    assert match, f"{label!r} not on the page"
    return match.group(1)


def _sell(tenant, variant, buyer_id: str, *, approve: bool = True):
    buyer = f.customer(tenant, discord_user_id=buyer_id, name=f"Buyer {buyer_id}")
    services.cart_add(customer=buyer, variant_id=variant.pk, quantity=1)
    result = services.checkout(customer=buyer)
    if approve:
        dispatch(result.payment, Outcome.APPROVED)
    return result


def test_dashboard_figures_match_the_orders_and_wallet(shop, client_for, mp):  # noqa: F811
    variant = f.variant(f.product(shop.tenant), price_cents=2500, keys=5)
    with time_machine.travel(NOW - timedelta(days=20), tick=False):  # last month: 25 Nov
        _sell(shop.tenant, variant, "201")
    with time_machine.travel(NOW - timedelta(days=2), tick=False):  # this month, not today
        _sell(shop.tenant, variant, "202")
    with time_machine.travel(NOW, tick=False):
        _sell(shop.tenant, variant, "203")
        _sell(shop.tenant, variant, "204")
        _sell(shop.tenant, variant, "205", approve=False)  # pending: no sale yet
        page = client_for(shop.owner).get(reverse("portal:dashboard", args=[shop.tenant.slug]))
    assert page.context["sales_today_cents"] == 5000
    assert page.context["orders_this_month"] == 3
    assert _stat(page, "Vendas hoje") == format_money(5000, "BRL", locale="pt-BR")
    assert _stat(page, "Pedidos no mês") == "3"

    # Available balance: nothing before holds release, the net of released sales after.
    assert page.context["available_cents"] == 0
    with time_machine.travel(NOW + timedelta(days=40), tick=False):
        releases_run()
        page = client_for(shop.owner).get(reverse("portal:dashboard", args=[shop.tenant.slug]))
    available = balances(tenant=shop.tenant).available
    assert 0 < available < 4 * 2500  # four paid sales, less the platform fee
    assert page.context["available_cents"] == available
    assert _stat(page, "Saldo disponível") == format_money(available, "BRL", locale="pt-BR")


def test_dashboard_recent_orders_are_the_five_newest(shop, client_for, mp):  # noqa: F811
    variant = f.variant(f.product(shop.tenant), price_cents=990, keys=7)
    codes = []
    for i in range(7):
        with time_machine.travel(NOW + timedelta(minutes=i), tick=False):
            codes.append(_sell(shop.tenant, variant, f"3{i}", approve=False).order.code)
    page = client_for(shop.owner).get(reverse("portal:dashboard", args=[shop.tenant.slug]))
    shown = [o.code for o in page.context["recent_orders"]]
    assert shown == codes[::-1][:5]
    assert all(code in _text(page) for code in shown)
    assert codes[0] not in _text(page)


def test_plan_page_counts_active_products(shop, client_for):
    for name in ("Um", "Dois", "Três", "Quatro", "Cinco"):
        fifth = catalog.product_save(tenant=shop.tenant, actor=shop.owner, name=name,
                                     is_active=True)
    catalog.product_set_active(product=fifth, actor=shop.owner, active=False)

    page = client_for(shop.owner).get(reverse("portal:plan", args=[shop.tenant.slug]))
    usage = {row.quota: row.used for row in page.context["usage"]}
    assert usage["active_products"] == 4
    html = page.content.decode()
    cell = re.search(r'data-testid="usage-active_products">.*?class="muted">(.*?)</span>',
                     html, re.S).group(1)
    assert re.match(r"4 (·|/) ", cell), cell


def test_plan_gauge_carries_into_a_new_month(shop, client_for):
    with time_machine.travel(NOW, tick=False):
        for name in ("Um", "Dois"):
            catalog.product_save(tenant=shop.tenant, actor=shop.owner, name=name,
                                 is_active=True)
    with time_machine.travel(NOW + timedelta(days=31), tick=False):  # January: no change yet
        page = client_for(shop.owner).get(reverse("portal:plan", args=[shop.tenant.slug]))
    assert {row.quota: row.used for row in page.context["usage"]}["active_products"] == 2


def test_ops_overview_shows_beat_pulse(operator, client_for):
    Heartbeat.objects.filter(name="beat").delete()
    page = client_for(operator).get(reverse("admin:ops"))
    assert "último sinal do beat: nunca" in _text(page)

    with time_machine.travel(NOW, tick=False):
        record_beat()
    with time_machine.travel(NOW + timedelta(minutes=3), tick=False):
        page = client_for(operator).get(reverse("admin:ops"))
    assert page.context["ops"]["beat_last_seen"] == NOW
    tile = re.search(r'data-testid="beat-last-seen">(.*?)</span>', page.content.decode()).group(1)
    assert "nunca" not in tile and "3" in tile, tile


def test_ops_overview_counts(shop, other_shop, operator, client_for, mp):  # noqa: F811
    from sales.models import Delivery
    from wallet.models import Withdrawal

    variant = f.variant(f.product(shop.tenant), price_cents=1000, keys=3)
    _sell(shop.tenant, variant, "401")
    _sell(shop.tenant, variant, "402", approve=False)
    Delivery.objects.unscoped().filter(tenant=shop.tenant).update(state=Delivery.State.FAILED)
    Withdrawal.objects.create(tenant=other_shop.tenant, amount_cents=1234,
                              pix_key_type="email", pix_key="a@example.com",
                              requested_by=other_shop.owner)
    page = client_for(operator).get(reverse("admin:ops"))
    ops = page.context["ops"]
    assert ops["tenants_total"] == 2
    assert ops["users_total"] == User.objects.count()  # each shop's team and the operator
    assert re.search(rf"\b{ops['users_total']} usuários", _text(page))
    assert ops["deliveries_failing"] == 1
    assert ops["withdrawals_waiting"] == 1 and ops["withdrawals_waiting_cents"] == 1234
    text = _text(page)
    assert format_money(1234, "BRL", locale="pt-BR") in text
    assert re.search(r"\b2 instâncias", text) and re.search(r"\b1 saques aguardando", text)


def test_ops_queue_depths_on_the_filesystem_broker(settings, tmp_path: Path):
    from config.metrics import queue_depths

    folder = tmp_path / "queue"
    folder.mkdir()
    for i, queue in enumerate(["default", "default", "fulfillment"]):
        (folder / f"{1000 + i}_abc{i}.{queue}.msg").write_text("{}")
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(folder)}
    assert queue_depths() == {"default": 2.0, "fulfillment": 1.0, "runtime": 0.0}


def test_timezone_is_sao_paulo():
    assert str(timezone.get_current_timezone()) == "America/Sao_Paulo"
