"""Real concurrent PostgreSQL connections: one balance is never spent twice, and a refund to
the balance racing the sale's release ends with both applied exactly once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from sales import services
from sales.models import Order
from tests.credit.conftest import balance, give_credit
from tests.environment import postgres_only
from tests.sales import factories as f
from wallet import credit as ledger
from wallet import services as wallet_services
from wallet.selectors import balances, ledger_verify

pytestmark = pytest.mark.django_db(transaction=True)


def _race(jobs: list[Callable[[], object]]) -> list[object]:
    """Run every job at once, each on its own connection; their results (or exceptions)."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(index: int, job: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = job()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_many_orders_applying_one_balance_take_it_once(shop):
    postgres_only(connection, "contention is measured on PostgreSQL")
    buyer = f.customer(shop.tenant)
    give_credit(buyer, 1000, payment_id=1)
    holder = ledger.customer_holder(buyer.pk)
    jobs = [lambda i=i: ledger.credit_apply(tenant=shop.tenant, holder=holder,
                                            order_id=9000 + i, up_to_cents=700)
            for i in range(8)]
    applied = _race(jobs)
    assert sum(applied) == 1000, applied  # 700 to one order, 300 to another, 0 to the rest
    assert sorted(applied)[-2:] == [300, 700]
    assert balance(buyer) == 0
    assert ledger_verify() == []


def test_two_carts_of_two_buyers_never_overspend_and_checkout_stays_honest(shop):
    """Two buyers share nothing, but each of one buyer's two concurrent checkouts (same cart)
    ends in one order and one spend."""
    postgres_only(connection, "contention is measured on PostgreSQL")
    v = f.variant(f.product(shop.tenant), price_cents=600, keys=10)
    buyer = f.customer(shop.tenant)
    give_credit(buyer, 1000, payment_id=1)
    services.cart_add(customer=buyer, variant_id=v.pk)

    def pay() -> object:
        return services.order_create_from_cart(customer=buyer, use_credit=True).code

    results = _race([pay, pay])
    codes = [r for r in results if isinstance(r, str)]
    assert len(codes) == 1, results  # the cart was checked out once
    order = Order.objects.for_tenant(shop.tenant).get()
    assert order.status == Order.Status.PAID and order.credit_applied_cents == 600
    assert balance(buyer) == 400
    assert ledger_verify() == []


def test_refund_to_balance_racing_the_release_applies_both_once(shop):
    postgres_only(connection, "contention is measured on PostgreSQL")
    v = f.variant(f.product(shop.tenant), price_cents=1000, keys=2)
    buyer = f.customer(shop.tenant)
    give_credit(buyer, 1000, payment_id=1)
    services.cart_add(customer=buyer, variant_id=v.pk)
    order = services.checkout(customer=buyer, use_credit=True).order
    later = timezone.now() + timedelta(days=60)
    holder = ledger.customer_holder(buyer.pk)

    def refund() -> object:
        return ledger.credit_refund(tenant=shop.tenant, holder=holder, amount_cents=1000,
                                    key=f"refund:credit:order:{order.pk}:1", reason="race")[1]

    results = _race([refund, lambda: wallet_services.releases_run(now=later), refund])
    assert sorted(map(str, results)) == ["1", "False", "True"], results
    assert balance(buyer) == 1000
    assert ledger_verify() == []
    money = balances(tenant=shop.tenant)
    assert money.pending == 0
    assert money.available == -50  # sale net 950 released or not, then 1000 given back
