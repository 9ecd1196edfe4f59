"""Wallet ledger figures: posting throughput (spread vs one hot tenant) and read cost by size.

Prints JSON lines {"name", "value", "unit", "baseline", "ratio"}; each baseline is measured in
the same run. Posting runs WORKERS processes (forked, as Celery's prefork workers post), each
on its own connection, each posting committed (sale credits to tenants named "bench-wallet-*",
reused across runs: the ledger is append-only). The read figures build 1,000 and 100,000
entries inside a transaction that is rolled back. `--smoke` (make test): 40 postings over 10
shops, reads over 100 and 1,000 entries; the books must still close (selectors.ledger_verify
finds nothing), which the full run checks too.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
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

SMOKE = "--smoke" in sys.argv[1:]
WORKERS, POSTINGS, READS = (4, 40, 5) if SMOKE else (4, 1200, 300)
SHOPS, SMALL, LARGE = (10, 100, 1_000) if SMOKE else (100, 1_000, 100_000)


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


def postings_per_second(tenants: list[Tenant], first_id: int) -> float:
    """POSTINGS sales over `tenants` from WORKERS processes started together; payment ids
    first_id.. (unique: a sale posts once per payment)."""
    from django.db import connections

    connections.close_all()  # a forked child must not share the parent's socket
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(WORKERS + 1)

    def work(worker: int) -> None:
        barrier.wait()
        for i in range(POSTINGS // WORKERS):
            tenant = tenants[(worker + i * WORKERS) % len(tenants)]
            services.sale_record(tenant=tenant, payment_id=first_id + worker + i * WORKERS,
                                 gross_cents=1990, method="pix")
        connection.close()

    workers = [context.Process(target=work, args=(w,)) for w in range(WORKERS)]
    for w in workers:
        w.start()
    barrier.wait()
    started = time.perf_counter()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    if any(w.exitcode for w in workers):
        raise SystemExit("a posting worker failed")
    return POSTINGS / elapsed


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


def size(entries: int) -> str:
    return f"{entries // 1000}k" if entries >= 1000 else str(entries)


def main() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    tenants = bench_tenants(SHOPS)
    start = LedgerTransaction.objects.unscoped().filter(key__startswith="sale:").count()
    first = 10**12 + start * 7 + time.time_ns() % 10**9
    spread = postings_per_second(tenants, first)
    hot = postings_per_second(tenants[:1], first + POSTINGS)
    emit(f"sale_postings_spread_{SHOPS}_tenants", spread, spread, "postings/s")
    emit("sale_postings_hot_tenant", hot, spread, "postings/s")
    # Concurrent postings on sharded platform rows must still close the books exactly.
    problems = selectors.ledger_verify()
    print(json.dumps({"name": "ledger_verify_problems", "value": len(problems),
                      "unit": "problems", "baseline": 0, "ratio": None}), flush=True)
    if problems:
        print("\n".join(problems[:20]), file=sys.stderr)
        raise SystemExit(1)

    with transaction.atomic():
        small, large = tenants[1], tenants[2]
        fill(small, SMALL)
        fill(large, LARGE)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE wallet_entry")
        base = read_us(lambda: selectors.balances(tenant=small))
        emit(f"balance_read_{size(SMALL)}_entries", base, base, "us/read")
        emit(f"balance_read_{size(LARGE)}_entries",
             read_us(lambda: selectors.balances(tenant=large)), base, "us/read")
        platform = read_us(lambda: selectors.platform_balance("clearing"))
        emit("platform_balance_read_sharded", platform, base, "us/read")
        page = read_us(lambda: list(selectors.statement(tenant=small)[:50]))
        emit(f"statement_page_{size(SMALL)}_entries", page, page, "us/page")
        emit(f"statement_page_{size(LARGE)}_entries",
             read_us(lambda: list(selectors.statement(tenant=large)[:50])), page, "us/page")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
