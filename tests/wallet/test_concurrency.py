"""Real concurrent PostgreSQL connections: no overdraft, no double posting."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from wallet import selectors, services
from wallet.models import LedgerTransaction, Withdrawal

pytestmark = pytest.mark.django_db(transaction=True)


def race(n: int, work) -> list:
    """Run `work(i)` in n threads released together; returns results or exceptions."""
    barrier, results = threading.Barrier(n), [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    close_old_connections()
    return results


def test_two_withdrawals_racing_for_one_balance_never_overdraw(funded):
    # R$ 200,00 available; four owners' tabs each ask for R$ 150,00 at once.
    results = race(4, lambda i: services.withdrawal_request(
        tenant=funded.tenant, actor=funded.owner, amount_cents=15000, pix_key_type="email",
        pix_key="dona@example.com"))
    won = [r for r in results if isinstance(r, Withdrawal)]
    lost = [r for r in results if isinstance(r, services.WalletError)]
    assert (len(won), len(lost)) == (1, 3), results
    assert selectors.balances(tenant=funded.tenant) == selectors.Balances(available=5000,
                                                                          withdrawing=15000)
    assert selectors.ledger_verify() == []


def test_same_sale_event_posted_concurrently_posts_once(shop):
    results = race(6, lambda i: services.sale_record(
        tenant=shop.tenant, payment_id=42, gross_cents=1000, method="pix"))
    assert all(isinstance(r, LedgerTransaction) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert LedgerTransaction.objects.unscoped().filter(key="sale:42").count() == 1
    assert selectors.balances(tenant=shop.tenant).pending == 950
    assert selectors.ledger_verify() == []


def test_concurrent_sales_and_refunds_keep_the_books_closed(funded, other_shop):
    def work(i: int):
        tenant = (funded if i % 2 else other_shop).tenant
        services.sale_record(tenant=tenant, payment_id=100 + i, gross_cents=1000 + i,
                             method="card")
        if i % 3 == 0:
            services.sale_reverse(tenant=tenant, key=f"refund:{i}", amount_cents=700,
                                  reason="r", payment_id=100 + i)
        return True

    assert race(8, work) == [True] * 8
    assert selectors.ledger_verify() == []
