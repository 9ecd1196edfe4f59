"""Soak: sales at a steady rate for minutes while faults strike at random; nothing lost.

The stack is benchmarks/_faultstack.py's (private PostgreSQL and Redis, gunicorn, a Celery
worker, the Discord and Mercado Pago sandboxes, all on 127.0.0.1). Producer threads sell at
`--rate` sales per second for `--minutes`: a buyer (a sandbox member) checks out one key and
Mercado Pago approves the payment (its signed webhook goes to gunicorn). Meanwhile, at random
moments (seeded, printed), at most `--faults` faults strike, each for a bounded time and at
least `--gap` seconds apart: the worker SIGKILLed, Redis or PostgreSQL restarted, Discord
answering 500s or 429s, Mercado Pago refusing connections. A beat thread runs the product's
sweeps every 5 s (their windows as arguments, see _faultstack.Stack.sweep).

When the window ends, the run waits for every order to settle, then checks: every paid order
delivered exactly once (each buyer's DMs carry exactly their own key, once), one sale posting
per approved payment, `wallet_verify` clean. Exit 1 otherwise. Prints JSON lines
{"name", "value", "unit", "baseline", "ratio"} and writes var/bench/soak.md (the table) and
var/bench/soak-faults.jsonl (each fault, when, how long).

    python benchmarks/soak.py [--rate 20] [--minutes 10] [--faults 6] [--seed N] [--smoke]

`--smoke` (make bench-smoke): 20 sales, 2 faults (a worker kill and a Discord outage), no
timing claims; well under a minute.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
from benchmarks._faultstack import PaymentPending, Sale, Stack  # noqa: E402
from benchmarks._harness import emit  # noqa: E402

FAULT_KINDS = ("worker_kill", "redis_restart", "postgres_restart", "discord_500",
               "discord_429", "mercadopago_down")
LOCK = threading.Lock()


class Soak:
    def __init__(self, stack: Stack, args: argparse.Namespace) -> None:
        self.stack = stack
        self.args = args
        self.sales: list[Sale] = []
        self.refused: Counter[str] = Counter()
        self.retry: list = []  # orders whose payment could not be created yet
        self.faults: list[dict] = []
        self.dead_since: datetime | None = None
        self.stop = threading.Event()
        self.attempted = self.behind = 0

    # --- selling -----------------------------------------------------------------------
    def sell_one(self) -> None:
        from django.db import connection

        try:
            sale = self.stack.checkout(retry_for=0.0)
        except PaymentPending as pending:  # Mercado Pago down: asked again later
            with LOCK:
                self.refused["payment_unavailable"] += 1
                self.retry.append((pending.order, pending.user_id, pending.customer_id))
            return
        except Exception as exc:  # the database down: counted, not hidden
            with LOCK:
                self.refused[getattr(exc, "code", type(exc).__name__)] += 1
            connection.close_if_unusable_or_obsolete()
            return
        self._approve(sale)

    def _approve(self, sale: Sale) -> None:
        self.stack.approve(sale)  # in-process: Mercado Pago itself never fails to approve
        with LOCK:
            self.sales.append(sale)

    def retry_payments(self) -> None:
        """Orders whose payment was refused (Mercado Pago down): asked again, as the bot's
        "try again" does."""
        from sales import services

        with LOCK:
            pending, self.retry[:] = list(self.retry), []
        for order, user_id, customer_id in pending:
            try:
                payment = services.order_request_payment(order=order)
            except Exception:
                with LOCK:
                    self.retry.append((order, user_id, customer_id))
                continue
            self._approve(Sale(order_id=order.pk, payment_id=payment.pk,
                               provider_payment_id=payment.provider_payment_id,
                               user_id=user_id, customer_id=customer_id))

    def produce(self, seconds: float) -> float:
        """Sales at `rate` per second for `seconds` (open loop, a pool of sellers). A tick
        whose sellers are all still busy is not sold but counted (`behind`): the achieved rate
        is what the platform kept up with. Returns the seconds it took."""
        interval = 1.0 / self.args.rate
        started = time.monotonic()
        busy = threading.Semaphore(self.args.sellers * 2)
        with ThreadPoolExecutor(max_workers=self.args.sellers) as pool:
            tick = 0
            while (due := started + tick * interval) < started + seconds:
                if (pause := due - time.monotonic()) > 0:
                    self.stop.wait(pause)
                tick += 1
                if not busy.acquire(blocking=False):
                    self.behind += 1
                    continue
                self.attempted += 1
                pool.submit(self._seller_job, busy)
                if tick % 50 == 0 and busy.acquire(blocking=False):
                    pool.submit(self._retry_job, busy)
        while self.retry and time.monotonic() - started < seconds + 120:
            self.retry_payments()
            self.stop.wait(1)
        return time.monotonic() - started

    def _retry_job(self, busy: threading.Semaphore) -> None:
        try:
            self.retry_payments()
        finally:
            busy.release()

    def _seller_job(self, busy: threading.Semaphore) -> None:
        from django.db import connection

        try:
            self.sell_one()
        except Exception as exc:  # counted, never silent
            with LOCK:
                self.refused[type(exc).__name__] += 1
        finally:
            connection.close()
            busy.release()

    # --- beat ----------------------------------------------------------------------------
    def beat(self) -> None:
        from django.db import connection

        while not self.stop.wait(5):
            with contextlib.suppress(Exception):
                self.stack.sweep(dead_since=self.dead_since)
            connection.close()

    # --- faults ----------------------------------------------------------------------------
    def plan_faults(self, duration: float) -> list[tuple[float, str, float]]:
        rng = random.Random(self.args.seed)
        if self.args.smoke:
            return [(2.0, "worker_kill", 0.0), (6.0, "discord_500", 5.0)]
        plan, at = [], rng.uniform(20, 40)
        while len(plan) < self.args.faults and at < duration - 30:
            kind = rng.choice(FAULT_KINDS)
            plan.append((at, kind, rng.uniform(5, self.args.max_fault_seconds)))
            at += self.args.gap + rng.uniform(0, 30)
        return plan

    def inject(self, plan: list[tuple[float, str, float]], started: float) -> None:
        for at, kind, seconds in plan:
            if self.stop.wait(max(0.0, started + at - time.monotonic())):
                return
            began = time.monotonic()
            try:
                self._strike(kind, seconds)
                error = ""
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
            self.faults.append({"fault": kind, "at_s": round(began - started, 1),
                                "lasted_s": round(time.monotonic() - began, 1),
                                **({"error": error} if error else {})})
            print(json.dumps(self.faults[-1]), file=sys.stderr, flush=True)

    def _strike(self, kind: str, seconds: float) -> None:
        stack, pause = self.stack, threading.Event()
        if kind == "worker_kill":
            stack.kill("worker")
            self.dead_since = datetime.now(UTC)
            stack.start_worker()
        elif kind == "redis_restart":
            stack.redis.stop()
            pause.wait(seconds)
            stack.redis.start()
        elif kind == "postgres_restart":
            stack.pg.stop("fast")
            pause.wait(seconds)
            stack.pg.start()
        elif kind in ("discord_500", "discord_429"):
            stack.sb.outage(status=500 if kind == "discord_500" else 429, seconds=seconds,
                            retry_after=2.0)
            pause.wait(seconds)
        elif kind == "mercadopago_down":
            stack.mp_link.down()
            pause.wait(seconds)
            stack.mp_link.up()


def _prepared(stack: Stack) -> None:
    from django.db import connection

    try:
        stack.prepare_buyer()
    finally:
        connection.close()


def exactly_once(stack: Stack, sales: list[Sale]) -> dict[str, int]:
    """The audit, reading every buyer's DMs from the sandbox in parallel."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = dict(pool.map(lambda s: (s.user_id, stack.dm_keys(s)), sales))
    return stack.audit(sales, dm_keys=keys)


def table(rows: list[tuple[str, object, str]], faults: list[dict], seed: int) -> str:
    lines = ["# Soak", "", f"seed {seed}", "", "| figure | value | unit |", "|---|---:|---|"]
    lines += [f"| {name} | {value} | {unit} |" for name, value, unit in rows]
    lines += ["", "| fault | at (s) | lasted (s) |", "|---|---:|---:|"]
    lines += [f"| {f['fault']} | {f['at_s']} | {f['lasted_s']} |" for f in faults]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=20.0, help="sales per second")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--faults", type=int, default=6, help="at most this many")
    parser.add_argument("--gap", type=float, default=60.0, help="seconds between faults, min")
    parser.add_argument("--max-fault-seconds", type=float, default=15.0)
    parser.add_argument("--sellers", type=int, default=6, help="selling threads")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--drain-seconds", type=float, default=900,
                        help="how long the backlog may take to drain after the window")
    parser.add_argument("--smoke", action="store_true", help="20 sales, 2 faults (CI)")
    args = parser.parse_args()
    # Stopped from outside (SIGTERM): the finally below still takes the stack down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args.seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    total = 20 if args.smoke else int(args.rate * args.minutes * 60)
    if args.smoke:
        args.rate, args.drain_seconds = 4.0, 60.0
    print(f"soak: seed {args.seed}", file=sys.stderr, flush=True)

    root = Path(tempfile.mkdtemp(prefix="vitrine-soak-"))
    stack = Stack(root, worker_concurrency=2 if args.smoke else 4,
                  web_workers=2 if args.smoke else 3)
    ok = False
    try:
        stack.start()
        from django.conf import settings

        # Beat's payment reconcile for lost webhooks: 30 s here (3 min in production).
        settings.PAYMENTS_RECONCILE_AFTER_SECONDS = 30
        stack.shop(keys=total + 50)
        soak = Soak(stack, args)
        # A minute of buyers exists before the clock starts; later ones are made as they come.
        with ThreadPoolExecutor(max_workers=args.sellers) as pool:
            list(pool.map(lambda _: _prepared(stack), range(min(total, int(args.rate * 60)))))
        plan = soak.plan_faults(total / args.rate)
        started = time.monotonic()
        threads = [threading.Thread(target=soak.beat, daemon=True),
                   threading.Thread(target=soak.inject, args=(plan, started), daemon=True)]
        for thread in threads:
            thread.start()
        selling = soak.produce(total / args.rate)
        threads[1].join(max(0.0, started + selling + 60 - time.monotonic()))
        try:  # a backlog the machine could not drain in time is reported, not hidden
            settled = stack.settle(soak.sales, timeout=args.drain_seconds,
                                   sweep_every=5.0, dead_since=soak.dead_since)
        except RuntimeError as exc:
            print(f"soak: {exc}", file=sys.stderr, flush=True)
            settled = float("nan")
        soak.stop.set()
        audit = exactly_once(stack, soak.sales)
        rows = [("sales_target", total, "sales"),
                ("sales_attempted", soak.attempted, "sales"),
                ("ticks_behind_schedule", soak.behind, "sales"),
                ("checkouts_refused", sum(soak.refused.values()), "sales"),
                ("paid_orders", audit["payments_approved"], "orders"),
                ("delivered_exactly_once", audit["orders"] - audit["buyers_without_dm"]
                 - audit["deliveries_doubled"] - audit["wrong_key"], "orders"),
                ("orders_lost", audit["orders_lost"], "orders"),
                ("deliveries_doubled", audit["deliveries_doubled"], "orders"),
                ("credits_doubled", audit["credits_doubled"], "postings"),
                ("ledger_problems", audit["ledger_problems"], "problems"),
                ("faults_injected", len(soak.faults), "faults"),
                ("process_restarts", sum(stack.restarts.values()), "restarts")]
        if not args.smoke:
            rows += [("sales_rate_target", args.rate, "sales/s"),
                     ("sales_rate_achieved", round(len(soak.sales) / selling, 2), "sales/s"),
                     ("drain_after_window", round(settled, 1), "s")]
        for name, value, unit in rows:
            emit(f"soak_{name}", float(value), unit,
                 float(audit["orders"]) if name == "delivered_exactly_once" else None)
        print(json.dumps({"refused": dict(soak.refused), "faults": soak.faults,
                          "seed": args.seed}), file=sys.stderr)
        out = ROOT / "var" / "bench"
        out.mkdir(parents=True, exist_ok=True)
        (out / "soak.md").write_text(table(rows, soak.faults, args.seed))
        (out / "soak-faults.jsonl").write_text("".join(json.dumps(f) + "\n"
                                                       for f in soak.faults))
        ok = (audit["orders_lost"] == audit["deliveries_doubled"] == audit["wrong_key"]
              == audit["buyers_without_dm"] == audit["credits_doubled"]
              == audit["ledger_problems"] == 0 and audit["orders"] > 0
              and audit["payments_approved"] == audit["orders"])
    finally:
        stack.stop()
        import shutil

        shutil.rmtree(root, ignore_errors=True)
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
