"""The demo's delivery latency: "Simular pagamento" clicked to the DM, on `make run`'s stack.

`make run` itself runs (benchmarks/_stack.py: bare environment, temporary VAR_DIR, free
ports), so this is the embedded default a newcomer gets: runserver, one Celery worker and beat
on kombu's filesystem broker, SQLite, the Discord and Mercado Pago sandboxes. No bot process
is needed: orders are placed through the Bot API (what the bot calls) with an instance token
made for the run, and fulfillment is the worker's job.

Per order (one at a time, as one buyer clicks): checkout (a PIX payment at the sandbox), then
t0 = just before `POST /api/bot/v1/orders/<code>/payment/simulate/` (what the bot's
"Simular pagamento" button calls: the sandbox approves and sends its signed webhook), t1 = when
a discord.py client logged in with the shop's bot token receives the gateway MESSAGE_CREATE of
the DM that names that order (an event, no polling). The path in between: webhook -> store ->
task (filesystem broker) -> apply -> order paid -> delivery task (broker again) -> Discord REST.

Baseline, same run: the pipeline's floor, one direct Discord REST DM from this process through
the wrapper the worker uses (`sales.fulfillment.discord_rest.send_dm`), timed the same way.
`--poll-ms` sets the broker's polling interval (CELERY_BROKER_POLL_MS; kombu's own default is
1000) to compare with the old setting. Every order must get its DM, or the script exits 1.

    python benchmarks/demo_latency.py [--n 30] [--floor 10] [--poll-ms 20] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks._harness import emit  # noqa: E402
from benchmarks._stack import MakeRun  # noqa: E402
from benchmarks.delivery_latency import DMWatcher, measure_floor, percentile  # noqa: E402

CODE = re.compile(r"(?<=#)[A-Z0-9]{6,20}\b|VTRFLOOR[A-Z0-9]+")


def _django_like(stack: MakeRun) -> None:
    """This process reads the stack's settings: same SQLite, same sandboxes."""
    env = stack.process_env("runserver")
    for key in [k for k in os.environ if k not in env and k not in ("PATH", "HOME")]:
        os.environ.pop(key)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"  # what manage.py sets
    import django

    django.setup()


def _bot_api(stack: MakeRun):
    import requests

    from tenants.models import Tenant
    from tenants.services import instance_token_create

    tenant = Tenant.objects.get(slug="loja-demo")
    _token, raw = instance_token_create(tenant=tenant, actor=tenant.owner, name="benchmark")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {raw}"

    def call(method: str, path: str, body: dict | None = None) -> dict:
        response = session.request(method, f"{stack.web}/api/bot/v1/{path}", json=body or {},
                                   timeout=30)
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response.json()

    return call


def _variant_id(call) -> int:
    """The demo's PDF guide: unlimited stock, delivered by DM like a key."""
    for product in call("GET", "catalog/")["products"]:
        if product["name"] == "Guia de Farm":
            return int(product["variants"][0]["id"])
    raise RuntimeError("the demo catalog has no 'Guia de Farm'")


def run(n: int, floor: int, poll_ms: int | None) -> int:
    extra = {} if poll_ms is None else {"CELERY_BROKER_POLL_MS": str(poll_ms)}
    with tempfile.TemporaryDirectory(prefix="vitrine-demo-bench-") as var_dir:
        stack = MakeRun(Path(var_dir), extra_env=extra)
        try:
            stack.start()
            return _measure(stack, n, floor, poll_ms)
        except Exception:
            print("\n".join(stack.lines[-150:]), file=sys.stderr)  # what make run said
            raise
        finally:
            try:
                stack.stop()
            finally:
                stack.kill()


def _measure(stack: MakeRun, n: int, floor: int, poll_ms: int | None) -> int:
    _django_like(stack)
    from sandbox.discord.demo import DEMO_BOT_TOKEN, demo_ids
    from sandbox.discord.testing import point_discord_py_at

    point_discord_py_at(stack.discord)  # the watcher's gateway and REST: the sandbox
    buyers = list(demo_ids()["users"].values())
    call = _bot_api(stack)
    variant = _variant_id(call)
    watcher = DMWatcher(DEMO_BOT_TOKEN, CODE).start()
    try:
        floors = measure_floor(watcher, DEMO_BOT_TOKEN, buyers[0], "D", 0, floor // 2)
        latencies = []
        for i in range(n):
            buyer = buyers[i % len(buyers)]
            call("POST", "customers/", {"discord_user_id": buyer})
            call("POST", f"customers/{buyer}/cart/items/", {"variant_id": variant})
            order = call("POST", f"customers/{buyer}/checkout/")["order"]["code"]
            t0 = time.perf_counter()
            call("POST", f"orders/{order}/payment/simulate/")
            latencies.append((watcher.wait_for(order, 30) - t0) * 1000)
        floors += measure_floor(watcher, DEMO_BOT_TOKEN, buyers[0], "D", floor // 2,
                                floor - floor // 2)
    finally:
        watcher.stop()
    floor_p95 = percentile(floors, 0.95)
    poll = f"_poll{poll_ms}ms" if poll_ms is not None else ""
    emit(f"demo_simulate_to_dm_p50{poll}", percentile(latencies, 0.5), "ms",
         percentile(floors, 0.5))
    emit(f"demo_simulate_to_dm_p95{poll}", percentile(latencies, 0.95), "ms", floor_p95)
    emit(f"demo_simulate_to_dm_max{poll}", max(latencies), "ms", max(floors))
    return 0 if len(latencies) == n else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30, help="orders, one at a time")
    parser.add_argument("--floor", type=int, default=10, help="direct DMs for the baseline")
    parser.add_argument("--poll-ms", type=int, default=None,
                        help="CELERY_BROKER_POLL_MS for the run (default: the setting's)")
    parser.add_argument("--smoke", action="store_true", help="3 orders, 2 floor DMs (CI)")
    args = parser.parse_args()
    if args.smoke:
        args.n, args.floor = 3, 2
    return run(args.n, args.floor, args.poll_ms)


if __name__ == "__main__":
    sys.exit(main())
