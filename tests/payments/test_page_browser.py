"""The payment page in chromium: phone and desktop, pt-BR and English, live status flips."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from payments import services
from payments.models import Payment
from tests.payments.conftest import as_payable

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
# The page polls every second; 3 s leaves room for a slow CI machine.
FLIP_TIMEOUT_MS = 3000


@pytest.fixture
def tenant(shop, outcomes):
    tenant = as_payable(shop.tenant, 4590)
    tenant.settings = {"manual_pix_key": "dono@example.com", "manual_pix_city": "São Paulo"}
    tenant.save(update_fields=["settings"])
    return tenant


def _context(browser, live_server, *, phone: bool, english: bool):
    context = browser.new_context(viewport=PHONE if phone else {"width": 1280, "height": 860},
                                  locale="en-US", device_scale_factor=2 if phone else 1,
                                  is_mobile=phone)
    if english:
        context.add_cookies([{"name": "vitrine_language", "value": "en",
                              "url": live_server.url}])
    return context


@pytest.mark.parametrize(("phone", "english"), [(True, False), (True, True), (False, False),
                                                (False, True)])
def test_payment_page_looks_right(browser, live_server, tenant, screenshot, phone, english):
    payment = services.payment_create(payable=tenant, method="manual_pix")
    context = _context(browser, live_server, phone=phone, english=english)
    page = context.new_page()
    page.goto(f"{live_server.url}/pay/{payment.public_id}/")
    assert page.locator("html").get_attribute("lang") == ("en" if english else "pt-br")
    expect(page.get_by_test_id("qr")).to_be_visible()
    assert page.evaluate("document.querySelector('[data-testid=qr]').naturalWidth") > 100
    expect(page.get_by_test_id("pix-code")).to_have_text(payment.pix_code)
    expect(page.get_by_test_id("amount")).to_contain_text("45,90" if not english else "45.90")
    expect(page.locator(".pay-clock")).to_have_text(re.compile(r"^(29|30):\d\d$"))
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    name = f"payment-page-{'phone' if phone else 'desktop'}-{'en' if english else 'pt-br'}"
    screenshot(page, name)
    context.close()


def test_status_flips_to_confirmed_without_reload(browser, live_server, shop, tenant,
                                                  screenshot):
    payment = services.payment_create(payable=tenant, method="manual_pix")
    context = _context(browser, live_server, phone=True, english=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/pay/{payment.public_id}/")
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "waiting")
    page.evaluate("window.__same_document = true")
    services.payment_manual_confirm(payment=payment, actor=shop.owner)
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "confirmed",
                                                            timeout=FLIP_TIMEOUT_MS)
    assert page.evaluate("window.__same_document") is True  # no reload happened
    expect(page.get_by_test_id("qr")).to_be_hidden()
    screenshot(page, "payment-page-confirmed-phone-en")
    context.close()


def test_status_flips_to_expired_without_reload(browser, live_server, tenant, screenshot):
    payment = services.payment_create(payable=tenant, method="manual_pix")
    context = _context(browser, live_server, phone=True, english=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/pay/{payment.public_id}/")
    page.evaluate("window.__same_document = true")
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=True):
        services.payments_reconcile()
    assert Payment.objects.unscoped().get(pk=payment.pk).status == Payment.Status.EXPIRED
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "expired",
                                                            timeout=FLIP_TIMEOUT_MS)
    assert page.evaluate("window.__same_document") is True
    screenshot(page, "payment-page-expired-phone-pt-br")
    context.close()


@pytest.mark.parametrize("english", [False, True])
def test_simulate_payment_button_in_the_demo(browser, live_server, shop, outcomes, mp, settings,
                                             screenshot, english):
    """make run (MERCADOPAGO_SANDBOX=1): one click approves the payment at the sandbox (its
    webhook and the page's flip are tests/payments/test_simulate.py's and the walkthrough's)."""
    settings.MERCADOPAGO_SANDBOX = True
    payment = services.payment_create(payable=as_payable(shop.tenant, 2500), method="pix")
    context = _context(browser, live_server, phone=True, english=english)
    page = context.new_page()
    page.goto(f"{live_server.url}/pay/{payment.public_id}/")
    button = page.get_by_test_id("simulate")
    expect(button).to_have_text(re.compile("Simulate payment" if english
                                           else "Simular pagamento"))
    screenshot(page, f"pay-simulate-{'en' if english else 'pt-br'}")
    button.click()
    page.wait_for_url(f"{live_server.url}/pay/{payment.public_id}/")
    assert mp.payment(payment.provider_payment_id)["status"] == "approved"
    context.close()
