"""Real concurrent buyers on separate PostgreSQL connections: no oversell, no shared key."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from catalog.models import StockItem
from sales import services
from sales.errors import SalesError
from sales.models import Order
from tests.environment import postgres_only
from tests.sales import factories as f

pytestmark = pytest.mark.django_db(transaction=True)

BUYERS, KEYS = 24, 10


def test_concurrent_checkouts_never_oversell(shop):
    postgres_only(connection, "contention is measured on PostgreSQL")
    v = f.variant(f.product(shop.tenant), keys=KEYS)
    buyers = [f.customer(shop.tenant, discord_user_id=str(1000 + i)) for i in range(BUYERS)]
    for buyer in buyers:
        services.cart_add(customer=buyer, variant_id=v.pk)
    barrier = threading.Barrier(BUYERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def buy(buyer) -> None:
        try:
            barrier.wait(timeout=30)
            services.order_create_from_cart(customer=buyer)
            result = "ok"
        except SalesError as exc:
            result = exc.code
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=buy, args=(b,)) for b in buyers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(set(outcomes)) == ["ok", "out_of_stock"]
    assert outcomes.count("ok") == KEYS
    assert outcomes.count("out_of_stock") == BUYERS - KEYS
    orders = Order.objects.for_tenant(shop.tenant)
    assert orders.count() == KEYS
    refs = list(StockItem.objects.for_tenant(shop.tenant).values_list("order_ref", flat=True))
    assert len(refs) == KEYS and len(set(refs)) == KEYS
    assert set(refs) == set(orders.values_list("pk", flat=True))


def test_concurrent_checkouts_respect_coupon_limits(shop):
    postgres_only(connection, "contention is measured on PostgreSQL")
    v = f.variant(f.product(shop.tenant), fulfillment="content", content="https://x.example")
    f.coupon(shop.tenant, code="TRES", max_uses=3)
    buyers = [f.customer(shop.tenant, discord_user_id=str(2000 + i)) for i in range(10)]
    for buyer in buyers:
        services.cart_add(customer=buyer, variant_id=v.pk)
        services.cart_apply_coupon(customer=buyer, code="tres")
    barrier = threading.Barrier(len(buyers))
    outcomes: list[str] = []

    def buy(buyer) -> None:
        try:
            barrier.wait(timeout=30)
            services.order_create_from_cart(customer=buyer)
            outcomes.append("ok")
        except SalesError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=buy, args=(b,)) for b in buyers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes.count("ok") == 3
    assert outcomes.count("coupon_exhausted") == 7
    assert Order.objects.for_tenant(shop.tenant).filter(coupon_code="TRES").count() == 3
