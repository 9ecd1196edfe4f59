"""The fault matrix's sales faults, run on one private stack (benchmarks/_faultstack.py).

    python -m tests.faults.matrix [--only NAME ...] [--window 60] [--out results.jsonl]

Each scenario sells a fresh batch of keys, breaks one thing while they are in flight, repairs
it, and waits until every sale is delivered; it prints one JSON line: the fault, its recovery
time (from the repair, or from the fault for the ones that repair themselves, to the last sale
delivered) and the audit (orders lost, deliveries doubled, credits doubled, ledger problems).
tests/faults/test_matrix.py runs it and asserts the audits; `make`-free, no pytest inside.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from benchmarks._faultstack import Sale, Stack, wait_until  # noqa: E402

BATCH = 4
# Seconds a batch may take to be delivered after the repair.
SETTLE = float(os.environ.get("FAULT_SETTLE_SECONDS", 240))


def _approve_all(stack: Stack, sales: list[Sale]) -> None:
    for sale in sales:
        stack.approve(sale)


def _close_db() -> None:
    from django.db import connections

    connections.close_all()


def worker_sigkill(stack: Stack, window: float) -> dict:
    """The worker's process group is SIGKILLed while its DM call is in flight, after Discord
    created the message (the worst moment: done at Discord, not yet recorded)."""
    sales = [stack.checkout() for _ in range(BATCH)]
    stack.sb.hold("POST", "/channels/{channel_id}/messages", seconds=30, phase="after")
    _approve_all(stack, sales)
    wait_until(lambda: stack.sb.holds()[-1]["entered"], 60, "a DM call in flight")
    stack.kill("worker")
    dead_since = datetime.now(UTC)
    killed = time.monotonic()
    stack.start_worker()
    stack.settle(sales, SETTLE, dead_since=dead_since)
    return {"recovery_s": time.monotonic() - killed, "note": "from the kill; the 15-min stale "
            "claim window is passed to the sweep as its now"}, sales


def redis_restart(stack: Stack, window: float) -> dict:
    """Redis is killed (no persistence: queued and unacknowledged messages are gone) while
    sales are paid, down for a few seconds, then started again on the same port."""
    sales = [stack.checkout() for _ in range(BATCH * 2)]
    _approve_all(stack, sales[:BATCH])
    stack.redis.stop()
    _approve_all(stack, sales[BATCH:])
    wait_until(lambda: _webhooks_tried(stack, sales[BATCH:]), 30, "the webhooks to arrive")
    stack.redis.start()
    back = time.monotonic()
    stack.settle(sales, SETTLE)
    return {"recovery_s": time.monotonic() - back}, sales


def postgres_restart(stack: Stack, window: float) -> dict:
    """PostgreSQL stops (fast shutdown: sessions cut) while sales are paid, then starts."""
    sales = [stack.checkout() for _ in range(BATCH * 2)]
    _approve_all(stack, sales[:BATCH])
    _close_db()
    stack.pg.stop("fast")
    _approve_all(stack, sales[BATCH:])
    wait_until(lambda: _webhooks_tried(stack, sales[BATCH:]), 30, "the webhooks to arrive")
    stack.pg.start()
    back = time.monotonic()
    stack.settle(sales, SETTLE)
    return {"recovery_s": time.monotonic() - back}, sales


def discord_outage(stack: Stack, window: float) -> dict:
    """Discord answers every call 500 for half the window, then 429 (global) for the rest."""
    sales = [stack.checkout() for _ in range(BATCH)]
    half = window / 2
    stack.sb.outage(status=500, seconds=half)
    started = time.monotonic()
    _approve_all(stack, sales[:BATCH // 2])
    wait_until(lambda: time.monotonic() - started >= half, half + 5, "the 500s to end",
               interval=0.5)
    stack.sb.outage(status=429, seconds=half, retry_after=5.0)
    _approve_all(stack, sales[BATCH // 2:])
    wait_until(lambda: time.monotonic() - started >= window, half + 5, "the 429s to end",
               interval=0.5)
    over = time.monotonic()
    stack.settle(sales, SETTLE)
    return {"recovery_s": time.monotonic() - over, "window_s": window}, sales


def mercadopago_down_checkout(stack: Stack, window: float) -> dict:
    """Mercado Pago refuses connections while buyers check out; each buyer's payment is
    asked again (the bot's retry) until it is created once Mercado Pago is back."""
    down = min(window, 10.0)
    stack.mp_link.down()
    back = {}

    def repair() -> None:
        threading.Event().wait(down)
        stack.mp_link.up()
        back["at"] = time.monotonic()

    threading.Thread(target=repair, daemon=True).start()
    sales = [stack.checkout(retry_for=down + 60) for _ in range(BATCH)]
    _approve_all(stack, sales)
    stack.settle(sales, SETTLE)
    payments = {s.provider_payment_id for s in sales}
    return {"recovery_s": time.monotonic() - back["at"], "down_s": down,
            "distinct_payments": len(payments)}, sales


def mercadopago_down_apply(stack: Stack, window: float) -> dict:
    """Mercado Pago's webhooks arrive, but its API refuses connections when the worker
    re-reads each payment to apply it."""
    down = min(window, 10.0)
    sales = [stack.checkout() for _ in range(BATCH)]
    stack.mp_link.down()
    _approve_all(stack, sales)
    wait_until(lambda: _webhooks_tried(stack, sales), 30, "the webhooks to arrive")
    threading.Event().wait(down)
    stack.mp_link.up()
    back = time.monotonic()
    stack.settle(sales, SETTLE)
    return {"recovery_s": time.monotonic() - back, "down_s": down}, sales


def _skewed(seconds: float) -> Callable[[Stack, float], dict]:
    def scenario(stack: Stack, window: float) -> dict:
        stack.mp.config.webhook_clock_skew = seconds
        try:
            sales = [stack.checkout() for _ in range(BATCH)]
            started = time.monotonic()
            _approve_all(stack, sales)
            stack.settle(sales, SETTLE)
        finally:
            stack.mp.config.webhook_clock_skew = 0.0
        return {"recovery_s": time.monotonic() - started, "skew_s": seconds,
                "note": "from the approvals"}, sales

    scenario.__doc__ = (f"Mercado Pago's clock runs {seconds:+.0f} s off: its webhook "
                        "signatures' timestamps are outside (or inside) the tolerance.")
    return scenario


def _webhooks_tried(stack: Stack, sales: list[Sale]) -> bool:
    """Mercado Pago has tried to notify every one of these payments at least once."""
    wanted = {str(s.provider_payment_id) for s in sales}
    seen = {str(n["body"]["data"]["id"]) for n in stack.mp.notifications()
            if n["attempts"] and n["action"] == "payment.updated"}
    return wanted <= seen


SCENARIOS: dict[str, Callable[[Stack, float], dict]] = {
    "worker_sigkill_mid_delivery": worker_sigkill,
    "redis_restart": redis_restart,
    "postgres_restart": postgres_restart,
    "discord_500_429": discord_outage,
    "mercadopago_down_checkout": mercadopago_down_checkout,
    "mercadopago_down_webhook_apply": mercadopago_down_apply,
    "webhook_clock_ahead_600s": _skewed(600),
    "webhook_clock_behind_600s": _skewed(-600),
    "webhook_clock_ahead_120s": _skewed(120),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", default=list(SCENARIOS))
    parser.add_argument("--window", type=float,
                        default=float(os.environ.get("FAULT_WINDOW_SECONDS", 60)))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the run's logs")
    args = parser.parse_args()
    # Stopped by the test session (SIGTERM): the finally below still takes the stack down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    root = Path(tempfile.mkdtemp(prefix="vitrine-faults-"))
    stack = Stack(root)
    try:
        stack.start()
        stack.shop(keys=BATCH * 2 * len(args.only) + 10)
        for name in args.only:
            _close_db()
            try:
                figures, sales = SCENARIOS[name](stack, args.window)
                wait_until(lambda s=sales: stack.delivered(s) == len(s), 30, "settled")
                line = {"fault": name, **figures, **stack.audit(sales),
                        "process_restarts": dict(stack.restarts)}
                stack.restarts.clear()
            except Exception as exc:
                line = {"fault": name, "error": f"{type(exc).__name__}: {exc}"}
            line = {k: round(v, 2) if isinstance(v, float) else v for k, v in line.items()}
            print(json.dumps(line), flush=True)
            if args.out:
                with args.out.open("a") as out:
                    out.write(json.dumps(line) + "\n")
    finally:
        stack.stop()
        import shutil

        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"logs in {root}", file=sys.stderr)


if __name__ == "__main__":
    main()
