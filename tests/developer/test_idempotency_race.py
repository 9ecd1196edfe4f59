"""POST /api/v1/orders/ twice at the same moment with one Idempotency-Key, on two real
database connections: one order, and both answers name it."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from developer import keys
from sales.models import Delivery, Order
from tests.sales import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_concurrent_posts_with_one_key_make_one_order(shop):
    variant = f.variant(f.product(shop.tenant, "Chave"), price_cents=1990, keys=5)
    _k, writer = keys.key_create(tenant=shop.tenant, actor=shop.owner, name="site",
                                 scopes=["orders:write"])
    body = {"customer": {"discord_user_id": "777", "display_name": "Bia"},
            "items": [{"variant_id": variant.pk, "quantity": 1}], "reference": "site-1"}
    start = threading.Barrier(2)

    def post(_n: int) -> tuple[int, str]:
        try:
            start.wait(timeout=10)
            response = Client().post("/api/v1/orders/", body, content_type="application/json",
                                     HTTP_AUTHORIZATION=f"Bearer {writer}",
                                     HTTP_IDEMPOTENCY_KEY="race-1")
            return response.status_code, response.json()["code"]
        finally:
            connection.close()  # each thread's own connection

    with ThreadPoolExecutor(2) as pool:
        answers = sorted(pool.map(post, range(2)))
    assert [status for status, _ in answers] == [200, 201]
    assert answers[0][1] == answers[1][1]
    [order] = Order.objects.for_tenant(shop.tenant).filter(payment_method="external")
    assert order.code == answers[0][1]
    assert Delivery.objects.for_tenant(shop.tenant).filter(order=order).count() == 1
