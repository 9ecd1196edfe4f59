from __future__ import annotations

import json

from payments.registry import Outcome, dispatch
from sales import services
from sales.external import external_body, sign, verify
from sales.models import Delivery
from tests.sales import factories as f


def test_external_delivery_body_is_signed(shop, mp):
    v = f.variant(f.product(shop.tenant), fulfillment="external",
                  external_url="https://shop.example/hook", external_secret="s3cret")
    buyer = f.customer(shop.tenant)
    services.cart_add(customer=buyer, variant_id=v.pk, quantity=2)
    result = services.checkout(customer=buyer)
    dispatch(result.payment, Outcome.APPROVED)
    delivery = Delivery.objects.for_tenant(shop.tenant).get()
    assert delivery.kind == "external"
    body = external_body(delivery)
    assert json.loads(body)["item"]["quantity"] == 2
    headers = sign(secret=v.external_secret, body=body, timestamp=1000)
    assert verify(secret="s3cret", body=body, headers=headers, now=1010)
    assert not verify(secret="other", body=body, headers=headers, now=1010)
    assert not verify(secret="s3cret", body=body + b" ", headers=headers, now=1010)
    assert not verify(secret="s3cret", body=body, headers=headers, now=5000)
