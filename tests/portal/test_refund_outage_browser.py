"""The owner refunds from the payment page in chromium while Mercado Pago is down (the sandbox
stopped): the page says so in the owner's language and nothing is refunded; once it is back,
the same click refunds."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from payments.models import Payment
from sales.models import Order
from tests.sales.factories import mp  # noqa: F401
from tests.sales.test_order_refund import _paid, _payment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, shop) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", shop.owner.email)
    page.fill("#id_password", f"pw-{shop.owner.username}")
    page.click("[data-testid=email-login]")
    page.wait_for_url(f"**/app/t/{shop.tenant.slug}/")


def _refund(page, live_server, url: str) -> None:
    page.goto(live_server.url + url)
    form = page.get_by_test_id("refund-form")
    form.locator("textarea, input[name=reason]").first.fill("cliente desistiu")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_refund_while_mercadopago_is_down(page, live_server, shop, mp, screenshot,  # noqa: F811
                                          settings):
    order = _paid(shop, mp)
    url = reverse("portal:payment_detail", args=[shop.tenant.slug, _payment(order).public_id])
    _sign_in(page, live_server, shop)
    mp.stop()
    _refund(page, live_server, url)
    expect(page.get_by_text("Mercado Pago está indisponível, tente de novo em alguns "
                            "minutos.")).to_be_visible()
    screenshot(page, "refund-mercadopago-down-pt-br")
    assert _payment(order).refunded_cents == 0

    mp.start()  # Mercado Pago is back (same emulator and payments, on a new port)
    settings.MERCADOPAGO_API_BASE_URL = mp.url
    _refund(page, live_server, url)
    expect(page.get_by_text("Reembolso de R$ 25,00 feito.")).to_be_visible()
    screenshot(page, "refund-mercadopago-back-pt-br")
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert _payment(order).status == Payment.Status.REFUNDED
