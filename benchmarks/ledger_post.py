"""Wallet ledger figures: posting throughput (spread vs one hot tenant) and read cost by size.

Prints JSON lines {"name", "value", "unit", "baseline", "ratio"}; each baseline is measured in
the same run. Posting runs THREADS real connections that commit (sale credits to tenants named
"bench-wallet-*", reused across runs: the ledger is append-only). The read figures build 1,000
and 100,000 entries inside a transaction that is rolled back.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from itertools import count
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from tenants.models import Tenant, User  # noqa: E402
from tenants.services import tenant_create  # noqa: E402
from wallet import selectors, services  # noqa: E402
from wallet.models import Entry, LedgerTransaction  # noqa: E402

THREADS, POSTINGS, READS = 4, 400, 300


def emit(name: str, value: float, baseline: float, unit: str) -> None:
    print(json.dumps({"name": name, "value": round(value, 2), "unit": unit,
                      "baseline": round(baseline, 2), "ratio": round(value / baseline, 3)}),
          flush=True)


def bench_tenants(n: int) -> list[Tenant]:
    tenants = list(Tenant.objects.filter(slug__startswith="bench-wallet-").order_by("pk")[:n])
    while len(tenants) < n:
        # One owner per shop: a plan caps how many instances one account may own.
        owner, _ = User.objects.get_or_create(username=f"bench-wallet-owner-{len(tenants)}")
        tenants.append(tenant_create(owner=owner, name=f"bench-wallet-{len(tenants)}"))
    for tenant in tenants:
        services.tenant_accounts(tenant)
    return tenants


def postings_per_second(tenants: list[Tenant], ids) -> float:
    barrier = threading.Barrier(THREADS + 1)

    def work(worker: int) -> None:
        barrier.wait()
        for i in range(POSTINGS // THREADS):
            tenant = tenants[(worker + i * THREADS) % len(tenants)]
            services.sale_record(tenant=tenant, payment_id=next(ids), gross_cents=1990,
                                 method="pix")
        connection.close()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(THREADS)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    return POSTINGS / (time.perf_counter() - started)


def fill(tenant: Tenant, entries: int) -> None:
    """Bulk-build balanced sale-like transactions (2 entries each) straight into the ledger."""
    accounts = services.tenant_accounts(tenant)
    clearing = services.platform_account("clearing")
    prefix = f"bench-fill:{tenant.pk}:{time.time_ns()}"
    txns = LedgerTransaction.objects.bulk_create(
        [LedgerTransaction(key=f"{prefix}:{i}", kind="sale", tenant=tenant)
         for i in range(entries // 2)], batch_size=5000)
    Entry.objects.bulk_create(
        [e for t in txns for e in (
            Entry(transaction=t, account=clearing, side="D", amount_cents=100),
            Entry(transaction=t, account=accounts["available"], tenant=tenant, side="C",
                  amount_cents=100))], batch_size=10000)


def read_us(fn) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(READS):
            fn()
        best = min(best, (time.perf_counter() - started) / READS * 1e6)
    return best


def main() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    tenants = bench_tenants(100)
    start = LedgerTransaction.objects.unscoped().filter(key__startswith="sale:").count()
    ids = count(10**12 + start * 7 + time.time_ns() % 10**9)
    spread = postings_per_second(tenants, ids)
    hot = postings_per_second(tenants[:1], ids)
    emit("sale_postings_spread_100_tenants", spread, spread, "postings/s")
    emit("sale_postings_hot_tenant", hot, spread, "postings/s")

    with transaction.atomic():
        small, large = tenants[1], tenants[2]
        fill(small, 1_000)
        fill(large, 100_000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE wallet_entry")
        base = read_us(lambda: selectors.balances(tenant=small))
        emit("balance_read_1k_entries", base, base, "us/read")
        emit("balance_read_100k_entries", read_us(lambda: selectors.balances(tenant=large)),
             base, "us/read")
        page = read_us(lambda: list(selectors.statement(tenant=small)[:50]))
        emit("statement_page_1k_entries", page, page, "us/page")
        emit("statement_page_100k_entries",
             read_us(lambda: list(selectors.statement(tenant=large)[:50])), page, "us/page")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
