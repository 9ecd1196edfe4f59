"""A buyer pays by card via Stripe in chromium: our payment page's card link, the Stripe
sandbox's hosted Checkout page, back to our result page, confirmed by the signed webhook."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from payments import services
from payments.models import Payment
from sandbox.stripe.testing import StripeSandbox
from tests.payments.conftest import as_payable
from tests.payments.providers.conftest import STRIPE_KEY, STRIPE_SECRET

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_buyer_pays_on_stripe_checkout_and_sees_it_confirmed(browser, live_server, shop,
                                                             outcomes, settings, eager_celery,
                                                             screenshot):
    with StripeSandbox(webhook_url=f"{live_server.url}/webhooks/stripe",
                       secrets=[STRIPE_SECRET]) as sandbox:
        settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRETS = STRIPE_KEY, STRIPE_SECRET
        settings.STRIPE_API_BASE_URL, settings.PUBLIC_URL = sandbox.url, live_server.url
        shop.tenant.currency = "USD"
        shop.tenant.save(update_fields=["currency"])
        payment = services.payment_create(payable=as_payable(shop.tenant, 2599),
                                          method="stripe_card")
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
        context.add_cookies([{"name": "vitrine_language", "value": "en",
                              "url": live_server.url}])
        page = context.new_page()
        page.goto(f"{live_server.url}/pay/{payment.public_id}/")
        expect(page.get_by_test_id("amount")).to_contain_text("25.99")
        expect(page.locator(".pay-instructions")).to_contain_text("Stripe's secure page")
        screenshot(page, "stripe-payment-page-phone-en")
        page.get_by_test_id("checkout-link").click()
        expect(page.get_by_role("heading")).to_have_text("Pay 25.99 USD")
        screenshot(page, "stripe-sandbox-checkout-phone")
        page.get_by_role("button", name="Pay", exact=True).click()
        page.wait_for_url(f"{live_server.url}/pay/{payment.public_id}/result/")
        expect(page.get_by_test_id("status")).to_have_attribute("data-status", "confirmed",
                                                                timeout=5000)
        screenshot(page, "stripe-payment-confirmed-phone-en")
        context.close()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.APPROVED
    assert outcomes.outcomes(payment) == ["approved"]
