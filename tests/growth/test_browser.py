"""The growth pages in a real browser (Debian chromium), pt-BR and English: the Chart.js chart
draws (vendored script, pixels on the canvas), the funnel and tables show; screenshots go to
var/screens/growth/."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from growth.models import CartRecovery, Event
from sales.models import Cart
from tenants.models import User
from tenants.services import tenant_create
from tests.sales import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path(settings.BASE_DIR) / "var" / "screens" / "growth"
INK = """() => { const c = document.getElementById('growth-chart');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n; }"""


@pytest.fixture
def owner() -> User:
    user = User.objects.create_user(username="dona", email="dona@example.com",
                                    password="senha-forte-123", first_name="Dona")
    tenant = tenant_create(owner=user, name="Loja Cristal")
    products = [f.product(tenant, n) for n in ("Chave Steam", "Curso de Python", "VIP Mensal")]
    buyers = [f.customer(tenant, str(500 + i), f"Comprador {i}") for i in range(8)]
    now, rows = timezone.now(), []
    for day in range(60):  # a deterministic two months: weekends sell more
        when = now - timedelta(days=day, hours=2)
        sales = 1 + (day * 7) % 4 + (2 if when.weekday() >= 5 else 0)
        rows += [Event(tenant=tenant, kind="storefront", occurred_at=when)
                 for _ in range(sales * 6)]
        for i in range(sales):
            product, buyer = products[(day + i) % 3], buyers[(day * 3 + i) % 8]
            cents = (2990, 9900, 1990)[(day + i) % 3]
            coupon = "BEMVINDO" if i == 0 and day % 5 == 0 else ""
            rows += [Event(tenant=tenant, kind="product_view", occurred_at=when,
                           product_id=product.pk) for _ in range(5)]
            rows += [Event(tenant=tenant, kind=k, occurred_at=when, product_id=product.pk,
                           customer_id=buyer.pk, amount_cents=cents)
                     for k in ("cart_add", "cart_add", "checkout")]
            rows.append(Event(tenant=tenant, kind="paid", occurred_at=when, customer_id=buyer.pk,
                              amount_cents=cents, coupon_code=coupon))
            rows.append(Event(tenant=tenant, kind="paid_line", occurred_at=when,
                              product_id=product.pk, customer_id=buyer.pk, amount_cents=cents))
        if day % 3 == 0:  # a reminder sent that day; one in three brought the buyer back
            recovered = day % 9 == 0
            cart = Cart.objects.create(tenant=tenant, customer=buyers[day % 8],
                                       status=Cart.Status.CHECKED_OUT, expires_at=when)
            CartRecovery.objects.create(
                tenant=tenant, cart=cart, customer=buyers[day % 8], due_at=when, sent_at=when,
                state=CartRecovery.State.RECOVERED if recovered else CartRecovery.State.SENT,
                recovered_cents=2990 if recovered else 0)
            if recovered:
                rows.append(Event(tenant=tenant, kind="recovered", occurred_at=when,
                                  amount_cents=2990))
    Event.objects.bulk_create(rows)
    return user


def _shot(page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def _sign_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", "dona@example.com")
    page.fill("#id_password", "senha-forte-123")
    page.click("[data-testid=email-login]")
    page.wait_for_url("**/app/t/loja-cristal/")


@pytest.mark.parametrize("language", ["pt-br", "en"])
def test_growth_pages_render_with_the_chart(page, live_server, owner, language):
    if language == "en":
        page.context.add_cookies([{"name": "vitrine_language", "value": "en",
                                   "url": live_server.url}])
    _sign_in(page, live_server)
    base = f"{live_server.url}/app/t/loja-cristal/growth/"
    for days in (30, 90):
        page.goto(f"{base}?days={days}")
        page.wait_for_selector("#growth-chart[data-drawn='1']")
        assert page.evaluate(INK) > 2000  # lines and bars on the canvas, not a blank box
        assert page.locator("[data-testid=product-row]").count() == 3
        assert page.locator("[data-testid=funnel] li").count() == 4
        _shot(page, f"analytics-{days}d-{language}")
    page.goto(f"{base}settings/")
    assert page.locator("[data-testid=growth-settings-form] section.card").count() == 4
    _shot(page, f"settings-{language}")
    page.fill("#id_recovery_coupon_percent", "95")
    page.click("[data-testid=growth-save]")
    assert page.locator(".error").count() == 1
    _shot(page, f"settings-error-{language}")
