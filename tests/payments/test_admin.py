"""Operators see payments, refunds and webhook events across tenants, read-only."""

from __future__ import annotations

import pytest

from payments import services
from payments.models import WebhookEvent
from tests.payments.conftest import as_payable

pytestmark = pytest.mark.django_db


def test_operator_lists_and_opens_payments_and_events(client_for, operator, shop, outcomes):
    tenant = as_payable(shop.tenant)
    tenant.settings = {"manual_pix_key": "dono@example.com", "manual_pix_city": "Recife"}
    payment = services.payment_create(payable=tenant, method="manual_pix")
    WebhookEvent.objects.create(event_id="e1", topic="payment", data_id="1")
    client = client_for(operator)
    for url in ("/admin/payments/payment/", f"/admin/payments/payment/{payment.pk}/change/",
                "/admin/payments/refund/", "/admin/payments/webhookevent/"):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/payments/payment/add/").status_code == 403


def test_shop_owner_has_no_admin(client_for, shop):
    response = client_for(shop.owner).get("/admin/payments/payment/")
    assert response.status_code == 302
