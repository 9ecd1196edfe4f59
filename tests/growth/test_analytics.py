"""The analytics page replays a fixed event log: every number on it is checked by hand.

Today is 2026-06-30 (São Paulo). The 30-day period is 06-01..06-30, the previous one
05-02..05-31. The log (amounts in centavos):

- storefront views: 10; product views: Chave 8, Curso 5, Brinde 3; cart adds: Chave 4, Curso 2;
  checkouts: 4 (so the funnel reads 10 -> 6 -> 4 -> 3);
- paid: #1 buyer A 5000 on 06-10 (PROMO10: 2x Chave), #2 buyer A 3000 on 06-20 (1x Curso),
  #3 buyer B 2000 on 06-30 (PROMO10: 1x Chave, a recovered cart); 2 reminders sent;
- previous period: 2 paid orders of 2000 (05-15, 05-20) by buyer C, 6 storefront views;
- 120 days ago (only in the 90-day page's previous period, and in a rollup after the sweep):
  1 paid order of 9000.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from growth.models import CartRecovery, DailyRollup, Event
from growth.services.events import events_rollup
from money import format_money
from sales.models import Cart
from tests.growth.html import by_testid
from tests.sales import factories as f

SP = ZoneInfo("America/Sao_Paulo")
NOW = datetime(2026, 6, 30, 15, 0, tzinfo=SP)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SP)


@pytest.fixture
def log(shop):
    tenant = shop.tenant
    chave, curso, brinde = (f.product(tenant, n) for n in ("Chave", "Curso", "Brinde"))
    a, b, c = (f.customer(tenant, str(100 + i), n) for i, n in enumerate("ABC"))
    rows: list[Event] = []

    def ev(kind: str, when: datetime, n: int = 1, **fields) -> None:
        rows.extend(Event(tenant=tenant, kind=kind, occurred_at=when, **fields)
                    for _ in range(n))

    d = date(2026, 6, 5)
    ev("storefront", at(d), 10)
    ev("product_view", at(d), 8, product_id=chave.pk)
    ev("product_view", at(d), 5, product_id=curso.pk)
    ev("product_view", at(d), 3, product_id=brinde.pk)
    ev("cart_add", at(d), 4, product_id=chave.pk)
    ev("cart_add", at(d), 2, product_id=curso.pk)
    ev("checkout", at(d), 4)
    for order, (buyer, day, cents, coupon, product, qty) in enumerate([
            (a, date(2026, 6, 10), 5000, "PROMO10", chave, 2),
            (a, date(2026, 6, 20), 3000, "", curso, 1),
            (b, date(2026, 6, 30), 2000, "PROMO10", chave, 1)], start=1):
        ev("paid", at(day), order_id=order, customer_id=buyer.pk, amount_cents=cents,
           coupon_code=coupon)
        ev("paid_line", at(day), order_id=order, customer_id=buyer.pk, product_id=product.pk,
           quantity=qty, amount_cents=cents)
    ev("recovered", at(date(2026, 6, 30)), order_id=3, customer_id=b.pk, amount_cents=2000)
    for order, day in ((4, date(2026, 5, 15)), (5, date(2026, 5, 20))):
        ev("paid", at(day), order_id=order, customer_id=c.pk, amount_cents=2000)
    ev("storefront", at(date(2026, 5, 15)), 6)
    old = NOW.date() - timedelta(days=120)
    ev("paid", at(old), order_id=6, customer_id=c.pk, amount_cents=9000)
    Event.objects.bulk_create(rows)
    for buyer in (a, b):
        cart = Cart.objects.create(tenant=tenant, customer=buyer, status="expired",
                                   expires_at=at(date(2026, 6, 28)))
        CartRecovery.objects.create(tenant=tenant, cart=cart, customer=buyer, state="sent",
                                    due_at=at(date(2026, 6, 28)), sent_at=at(date(2026, 6, 28)))
    return {"tenant": tenant, "chave": chave, "curso": curso, "brinde": brinde}


def _page(client, tenant, days: int = 30) -> tuple[dict[str, list[str]], dict]:
    url = reverse("portal:growth_analytics", args=[tenant.slug]) + f"?days={days}"
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    series = json.loads(html.split('id="growth-series" type="application/json">')[1]
                        .split("</script>")[0])
    return by_testid(html), series


def test_every_number_on_the_30_day_page(log, shop, client_for):
    with time_machine.travel(NOW, tick=False):
        found, series = _page(client_for(shop.owner), log["tenant"])
    m = format_money
    assert found["kpi-revenue"] == [f"Faturamento {m(10000)} +150,0% antes: {m(4000)}"]
    assert found["kpi-orders"] == ["Pedidos pagos 3 +50,0% antes: 2"]
    assert found["kpi-average"] == [f"Ticket médio {m(3333)} +66,7% antes: {m(2000)}"]
    assert found["kpi-repeat"] == ["Compradores recorrentes 1 de 2 compradores"]
    assert found["funnel-storefront"] == ["Visitas à loja 10"]
    assert found["funnel-cart_add"] == ["Adições ao carrinho 6 60,0% da etapa anterior"]
    assert found["funnel-checkout"] == ["Checkouts 4 66,7% da etapa anterior"]
    assert found["funnel-paid"] == ["Pedidos pagos 3 75,0% da etapa anterior"]
    assert found["reminders-sent"] == ["2"]
    assert found["recovered"] == ["1"]
    assert found["recovered-revenue"] == [m(2000)]
    assert found["top-coupons"] == [f"Cupom Pedidos Faturamento PROMO10 2 {m(7000)}"]
    assert found["product-row"] == [
        f"Chave Mais vendido 8 4 2 3 {m(7000)} 25,0%",
        f"Curso 5 2 1 1 {m(3000)} 20,0%",
        f"Brinde 3 0 0 0 {m(0)} 0,0%",
    ]
    # The chart's series: one point per day, the previous period aligned day by day.
    assert len(series["labels"]) == 30 and series["labels"][0] == "2026-06-01"
    assert sum(series["revenue"]) == 10000 and sum(series["orders"]) == 3
    assert series["revenue"][9] == 5000 and series["revenue"][19] == 3000  # 06-10, 06-20
    assert series["revenue"][29] == 2000
    assert sum(series["prev_revenue"]) == 4000
    assert series["prev_revenue"][13] == 2000  # 05-15 is day 14 of 05-02..05-31


def test_the_90_day_page_is_the_same_before_and_after_the_rollup(log, shop, client_for):
    client = client_for(shop.owner)
    with time_machine.travel(NOW, tick=False):
        before, series_before = _page(client, log["tenant"], days=90)
        assert before["kpi-revenue"] == [f"Faturamento {format_money(10000 + 4000)} +55,6% "
                                         f"antes: {format_money(9000)}"]
        raw = Event.objects.for_tenant(log["tenant"]).count()
        rolled = events_rollup()
        after, series_after = _page(client, log["tenant"], days=90)
    assert rolled == 1  # the order of 120 days ago; everything younger stays raw
    assert Event.objects.for_tenant(log["tenant"]).count() == raw - 1
    [row] = DailyRollup.objects.for_tenant(log["tenant"])
    assert (row.kind, row.count, row.amount_cents, row.day) == \
        ("paid", 1, 9000, NOW.date() - timedelta(days=120))
    assert after == before and series_after == series_before


def test_rollup_sums_old_days_and_keeps_every_number(log, shop):
    """A year later everything is rolled up; the rollups hold the same totals."""
    tenant = log["tenant"]
    totals = {(e.kind, e.product_id or 0): [0, 0, 0] for e in Event.objects.for_tenant(tenant)}
    for e in Event.objects.for_tenant(tenant):
        t = totals[(e.kind, e.product_id or 0)]
        t[0], t[1], t[2] = t[0] + 1, t[1] + e.quantity, t[2] + e.amount_cents
    with time_machine.travel(NOW + timedelta(days=400), tick=False):
        assert events_rollup() == sum(t[0] for t in totals.values())
        assert events_rollup() == 0  # nothing twice
    assert not Event.objects.for_tenant(tenant).exists()
    got: dict = {}
    for r in DailyRollup.objects.for_tenant(tenant):
        t = got.setdefault((r.kind, r.product_id), [0, 0, 0])
        t[0], t[1], t[2] = t[0] + r.count, t[1] + r.quantity, t[2] + r.amount_cents
    assert got == totals


def test_csv_export(log, shop, client_for):
    with time_machine.travel(NOW, tick=False):
        url = reverse("portal:growth_analytics", args=[log["tenant"].slug])
        daily = client_for(shop.owner).get(url + "?days=30&format=csv")
        products = client_for(shop.owner).get(url + "?days=30&format=csv&table=products")
    lines = daily.content.decode().splitlines()
    assert len(lines) == 31 and lines[10] == "2026-06-10,50.00,1,0.00,0"
    assert daily["Content-Disposition"].startswith('attachment; filename="')
    rows = products.content.decode().splitlines()
    assert rows[1:] == ["Chave,8,4,2,3,70.00,25.0", "Curso,5,2,1,1,30.00,20.0",
                        "Brinde,3,0,0,0,0.00,0.0"]
