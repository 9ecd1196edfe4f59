"""Sale delivery latency: Mercado Pago approval to the key's DM in Discord, over N orders.

Everything runs for real on 127.0.0.1: the platform under gunicorn with production settings
(DEBUG=0), Celery workers on Redis as docker-compose.yml deploys them (a prefork worker on the
"default" queue, a thread-pool worker on "fulfillment"; `--fulfillment-threads 0` puts both
queues on one prefork worker, as before), the in-process Mercado Pago sandbox (it sends the
signed webhooks) and the in-process Discord sandbox (fulfillment's discord.py REST client
talks to it with the shop's bot token).

Setup: a shop on the Pro plan (no monthly order quota in the way), one stock product with N
keys, N buyers (sandbox users in the shop's guild), one order each, checked out through
`sales.services.checkout`, so each has a pending PIX payment at the sandbox whose
notification_url is the gunicorn webhook. Once the `payment.created` webhooks are applied
(which also proves the worker is up), approvals start.

Measured per order: t0 = just before `MercadoPagoSandbox.approve()` (which emits the signed
webhook), t1 = when a discord.py client logged in with the shop's bot token receives the
gateway MESSAGE_CREATE for the DM that carries that order's key (an event, no polling). Both
clocks are `time.perf_counter()` in this process. Approvals run closed-loop with
`--concurrency` orders in flight (default 32): the next approval is sent as soon as a DM lands.
Before them, `--unloaded` orders (default 20) are approved one at a time: the pipeline's own
latency with nothing queued (`delivery_latency_unloaded_*`); with 32 in flight a sale's latency
is mostly its wait in line, in flight / throughput (Little's law).

Baseline, same run (half before, half after the orders): the pipeline floor, i.e. one direct
Discord REST DM from this process through the very wrapper the worker uses
(`sales.fulfillment.discord_rest.send_dm`: the process's pooled, logged-in discord.py
HTTPClient for the token, open DM, post),
timed the same way (call to gateway event). The "reference shop bot polls every 60 seconds"
model is printed as its own line: its latency is uniform on [0, 60 s], so its p95 is 57 s.

Afterwards every buyer must have exactly one DM, carrying their own order's key, and every
order must be `delivered`; the script exits 1 otherwise. Prints JSON lines
{"name", "value", "unit", "baseline", "ratio"}.

    python benchmarks/delivery_latency.py [--n 200] [--concurrency 32] [--unloaded 20]
                                          [--floor 100] [--smoke]

`--smoke` (make test): 2 orders alone, then 6 with 3 in flight, 4 floor DMs; every
exactly-once check applies.

Needs PostgreSQL (DATABASE_URL, used only to reach the server: the run creates and drops its
own database) and Redis (REDIS_URL). Binds 127.0.0.1 only; stops its gunicorn and worker.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks._harness import bench_database, emit, free_port, wait_http  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
TOKEN = "TEST-bench-delivery"
SECRET = "sandbox-webhook-secret"  # the sandbox's default for TEST- tokens
MEMBERS_INTENT = 1 << 1
POLL_MODEL_P95_MS = 0.95 * 60_000  # uniform arrival within a 60 s polling period


# --- Celery worker (its own process) -------------------------------------------------------
def run_worker(queues: str, concurrency: int, pool: str) -> None:
    import django

    django.setup()
    from config.celery import app

    app.worker_main(["worker", "-Q", queues, "-c", str(concurrency), "-P", pool,
                     "-l", "warning", "--without-gossip", "--without-mingle",
                     "--without-heartbeat", "-n", f"bench-{queues}-{uuid.uuid4().hex[:6]}@%h"])


# --- the observer: a gateway client that sees every DM the shop's bot sends ----------------
class DMWatcher:
    """discord.py client on its own thread; records perf_counter() per DM MESSAGE_CREATE."""

    def __init__(self, token: str, pattern: re.Pattern[str]) -> None:
        self.token = token
        self.pattern = pattern
        self.seen: dict[str, list[float]] = {}  # marker -> receive times (one per DM)
        self.cond = threading.Condition()
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client = None
        self._thread = threading.Thread(target=self._run, name="dm-watcher", daemon=True)

    def start(self) -> DMWatcher:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the DM watcher never became ready")
        return self

    def _run(self) -> None:
        import discord

        watcher = self
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)

        class Client(discord.Client):
            async def on_ready(self) -> None:
                watcher._ready.set()

            async def on_message(self, message: discord.Message) -> None:
                at = time.perf_counter()
                if message.guild is not None:
                    return
                with watcher.cond:
                    for marker in watcher.pattern.findall(message.content):
                        watcher.seen.setdefault(marker, []).append(at)
                    watcher.cond.notify_all()

        self._client = Client(intents=discord.Intents.default())
        self._stopping = asyncio.Event()
        loop.run_until_complete(self._main())
        loop.close()

    async def _main(self) -> None:
        running = asyncio.create_task(self._client.start(self.token))
        await self._stopping.wait()
        await self._client.close()
        await running

    def stop(self) -> None:
        if self._loop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stopping.set)
            self._thread.join(10)

    def wait_for(self, marker: str, timeout: float) -> float:
        with self.cond:
            if not self.cond.wait_for(lambda: marker in self.seen, timeout):
                raise TimeoutError(f"no DM carrying {marker} within {timeout}s")
            return self.seen[marker][0]


# --- helpers ------------------------------------------------------------------------------
def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def wait_until(check, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(interval)


def database_url_for(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_sql(base: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(database_url_for(base, "postgres"), autocommit=True) as conn:
        conn.execute(sql)


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


# --- the run ------------------------------------------------------------------------------
def measure_floor(watcher: DMWatcher, bot_token: str, user_id: str, run: str,
                  start: int, count: int) -> list[float]:
    from sales.fulfillment import discord_rest

    out = []
    for i in range(start, start + count):
        marker = f"VTRFLOOR{run}F{i:04d}"
        t0 = time.perf_counter()
        discord_rest.send_dm(token=bot_token, user_id=user_id, content=f"floor `{marker}`")
        out.append((watcher.wait_for(marker, 30) - t0) * 1000)
    return out


def approve_all(mp, watcher: DMWatcher, orders: list[dict], concurrency: int,
                timeout: float) -> None:
    """Closed loop: keep `concurrency` approvals in flight; fill each order's t0/t1."""
    pending = list(orders)
    in_flight: list[dict] = []
    deadline = time.monotonic() + timeout
    while pending or in_flight:
        while pending and len(in_flight) < concurrency:
            order = pending.pop(0)
            order["t0"], order["wall0"] = time.perf_counter(), time.time()
            mp.approve(order["provider_payment_id"])
            in_flight.append(order)
        with watcher.cond:
            landed = watcher.cond.wait_for(
                lambda: any(o["key"] in watcher.seen for o in in_flight),
                max(0.0, deadline - time.monotonic()))
            if not landed:
                raise RuntimeError(f"{len(in_flight) + len(pending)} orders never delivered")
            for order in [o for o in in_flight if o["key"] in watcher.seen]:
                order["t1"] = watcher.seen[order["key"]][0]
                in_flight.remove(order)


def build_shop(sb, run: str, n: int) -> dict:
    """Tenant (Pro plan), bot runtime with the sandbox token, stock, N buyers with orders."""
    from catalog.models import Product, Variant
    from catalog.services import stock_add
    from runtime.models import BotRuntime
    from sales import services
    from tenants.models import PlanVersion, Subscription, User
    from tenants.services import tenant_create

    app = sb.create_application("Bench Shop Bot", intents=MEMBERS_INTENT)
    guild = sb.create_guild("Bench Shop", [app["id"]])
    owner = User.objects.create_user(username=f"bench-{run}", email=f"bench-{run}@example.com")
    tenant = tenant_create(owner=owner, name=f"Bench {run}")
    pro = PlanVersion.objects.filter(plan__slug="pro").order_by("-version").first()
    Subscription.objects.for_tenant(tenant).update(plan_version=pro,
                                                   status=Subscription.Status.ACTIVE)
    tenant.discord_guild_id = guild["id"]
    tenant.save(update_fields=["discord_guild_id"])
    BotRuntime.objects.update_or_create(tenant=tenant, defaults={"discord_token": app["token"]})
    product = Product.objects.create(tenant=tenant, name="Chave Bench")
    variant = Variant.objects.create(tenant=tenant, product=product, label="Global",
                                     price_cents=1990)
    stock_add(variant=variant, actor=None, lines=[f"VTRBENCH{run}K{i:04d}" for i in range(n)])

    orders = []
    for i in range(n):
        user = sb.create_user(f"buyer{i:04d}")
        sb.add_member(guild["id"], user["id"])
        customer = services.customer_upsert(tenant=tenant, discord_user_id=user["id"],
                                            display_name=f"Buyer {i}")
        services.cart_add(customer=customer, variant_id=variant.pk, quantity=1)
        result = services.checkout(customer=customer)
        orders.append({"order_id": result.order.pk, "user_id": user["id"],
                       "provider_payment_id": result.payment.provider_payment_id})
    floor_user = sb.create_user("floor")
    sb.add_member(guild["id"], floor_user["id"])
    return {"tenant": tenant, "token": app["token"], "orders": orders,
            "floor_user": floor_user["id"]}


def attach_keys(tenant, orders: list[dict]) -> None:
    from catalog.models import StockItem

    by_order = {}
    for item in StockItem.objects.for_tenant(tenant).filter(
            order_ref__in=[o["order_id"] for o in orders]):
        by_order.setdefault(str(item.order_ref), []).append(item.content)
    for order in orders:
        [order["key"]] = by_order[str(order["order_id"])]  # one key reserved per order


def verify(sb, tenant, orders: list[dict], pattern: re.Pattern[str]) -> tuple[int, int]:
    """(buyers with exactly one DM carrying exactly their key, orders now delivered)."""
    from sales.models import Order

    exact = 0
    for order in orders:
        dms = sb.dms(order["user_id"])
        markers = [m for dm in dms for m in pattern.findall(dm["content"])]
        exact += len(dms) == 1 and markers == [order["key"]]
    delivered = Order.objects.for_tenant(tenant).filter(
        pk__in=[o["order_id"] for o in orders], status="delivered").count()
    return exact, delivered


def stages(tenant, orders: list[dict]) -> dict[str, float]:
    """Median ms from the approval to each recorded step (server clocks, same host)."""
    from payments.models import WebhookEvent
    from sales.models import Delivery, OrderEvent

    by_payment = {}
    for event in WebhookEvent.objects.filter(action="payment.updated"):
        by_payment.setdefault(event.data_id, event)
    paid = dict(OrderEvent.objects.for_tenant(tenant).filter(to_status="paid")
                .values_list("order_id", "at"))
    deliveries = {d.order_id: d for d in Delivery.objects.for_tenant(tenant)}
    steps: dict[str, list[float]] = {}

    def add(name: str, when) -> None:
        if when is not None:
            steps.setdefault(name, []).append((when.timestamp() - order["wall0"]) * 1000)

    for order in orders:
        event = by_payment.get(str(order["provider_payment_id"]))
        add("webhook_stored", event and event.received_at)
        add("webhook_claimed", event and event.claimed_at)
        add("order_paid", paid.get(order["order_id"]))
        delivery = deliveries.get(order["order_id"])
        add("delivery_claimed", delivery and delivery.claimed_at)
        add("delivery_done", delivery and delivery.done_at)
        steps.setdefault("dm_seen", []).append((order["t1"] - order["t0"]) * 1000)
    return {name: round(percentile(values, 0.5), 1) for name, values in steps.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--unloaded", type=int, default=20,
                        help="orders approved one at a time first (the pipeline unloaded)")
    parser.add_argument("--floor", type=int, default=100, help="direct-DM baseline samples")
    parser.add_argument("--worker-concurrency", type=int, default=4,
                        help="processes of the default-queue worker")
    parser.add_argument("--fulfillment-threads", type=int, default=16,
                        help="threads of the fulfillment worker (0: one worker for both)")
    parser.add_argument("--worker", metavar="QUEUES", help=argparse.SUPPRESS)
    parser.add_argument("--pool", default="prefork", help=argparse.SUPPRESS)
    parser.add_argument("--smoke", action="store_true", help="6 orders, 4 floor DMs (CI)")
    args = parser.parse_args()
    if args.worker:
        return run_worker(args.worker, args.worker_concurrency, args.pool)
    if args.smoke:
        args.n, args.concurrency, args.floor, args.worker_concurrency = 6, 3, 4, 2
        args.unloaded = min(args.unloaded, 2)
        args.fulfillment_threads = min(args.fulfillment_threads, 4)

    run = uuid.uuid4().hex[:8]
    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vitrine")
    db_name = f"vitrine_bench_delivery_{run}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    from sandbox.discord.testing import DiscordSandbox, point_discord_py_at
    from sandbox.mercadopago.testing import MercadoPagoSandbox

    sb = DiscordSandbox().start()
    mp = MercadoPagoSandbox().start()
    point_discord_py_at(sb.url)
    os.environ.update({
        "DATABASE_URL": database_url_for(server_url, db_name), "DEBUG": "0", "HTTPS": "0",
        "STATIC_MANIFEST": "0", "LOG_LEVEL": "warning", "PUBLIC_URL": base,
        "MERCADOPAGO_API_BASE_URL": mp.url, "MERCADOPAGO_ACCESS_TOKEN": TOKEN,
        "MERCADOPAGO_WEBHOOK_SECRET": SECRET, "DISCORD_API_BASE_URL": f"{sb.url}/api",
        "GUNICORN_BIND": f"127.0.0.1:{port}"})
    if args.smoke:  # fewer processes to start: the smoke checks, it does not measure
        os.environ["GUNICORN_WORKERS"] = "2"
    os.environ["DATABASE_URL"] = bench_database(server_url, db_name)  # migrated already
    procs: list[subprocess.Popen] = []
    watcher: DMWatcher | None = None
    try:
        import django

        django.setup()

        from config.celery import app
        from payments.models import WebhookEvent

        app.control.purge()
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy/gunicorn.conf.py"),
             "-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "config.wsgi"],
            cwd=ROOT, env=os.environ.copy(), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL))
        # As deployed (docker-compose.yml): the default queue on a prefork worker, deliveries
        # on their own worker of threads, so a delivery never waits behind payment applies.
        workers = ([("default", args.worker_concurrency, "prefork"),
                    ("fulfillment", args.fulfillment_threads, "threads")]
                   if args.fulfillment_threads else
                   [("default,fulfillment", args.worker_concurrency, "prefork")])
        for queues, concurrency, pool in workers:
            procs.append(subprocess.Popen(
                [sys.executable, __file__, "--worker", queues, "--worker-concurrency",
                 str(concurrency), "--pool", pool], cwd=ROOT, env=os.environ.copy(),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_http(f"{base}/healthz", timeout=180)  # every worker loads Django: slow when busy

        shop = build_shop(sb, run, args.unloaded + args.n)
        alone, orders = shop["orders"][:args.unloaded], shop["orders"][args.unloaded:]
        attach_keys(shop["tenant"], alone + orders)
        # The payment.created webhooks are applied by the worker: once all are, it is warm.
        wait_until(lambda: WebhookEvent.objects.filter(
            state__in=["processed", "ignored"]).count() >= len(alone + orders), 120,
            "the payment.created webhooks to be applied")
        pattern = re.compile(rf"VTR(?:BENCH|FLOOR){run}[KF]\d{{4}}")
        watcher = DMWatcher(shop["token"], pattern).start()

        first = args.floor // 2
        floor = measure_floor(watcher, shop["token"], shop["floor_user"], run, 0, first)
        # One order at a time: the pipeline's own latency, with nothing queued before it
        # (with --concurrency in flight, latency is mostly the queue: in flight / throughput).
        approve_all(mp, watcher, alone, 1, timeout=120)
        started = time.perf_counter()
        approve_all(mp, watcher, orders, args.concurrency, timeout=600)
        elapsed = time.perf_counter() - started
        floor += measure_floor(watcher, shop["token"], shop["floor_user"], run, first,
                               args.floor - first)

        latencies = [(o["t1"] - o["t0"]) * 1000 for o in orders]
        # Duplicates would arrive later than the first DM; give them a moment of queue drain.
        wait_until(lambda: WebhookEvent.objects.filter(
            state__in=["received", "queued", "processing"]).count() == 0, 60, "the queue")
        # The DM lands before the worker settles the order: give the last ones their moment.
        from sales.models import Order

        try:
            wait_until(lambda: Order.objects.for_tenant(shop["tenant"]).filter(
                pk__in=[o["order_id"] for o in alone + orders], status="delivered").count()
                == len(alone + orders), 30, "every order to be settled as delivered")
        except RuntimeError as exc:
            print(exc, file=sys.stderr)  # verify() below reports how many and fails the run
        exact, delivered = verify(sb, shop["tenant"], alone + orders, pattern)
        print(json.dumps({"stages_p50_ms": stages(shop["tenant"], orders)}), file=sys.stderr)
        if alone:
            print(json.dumps({"stages_unloaded_p50_ms": stages(shop["tenant"], alone)}),
                  file=sys.stderr)
        emit("delivery_latency_p50", percentile(latencies, 0.50), "ms",
             percentile(floor, 0.50))
        emit("delivery_latency_p95", percentile(latencies, 0.95), "ms",
             percentile(floor, 0.95))
        emit("delivery_latency_max", max(latencies), "ms", max(floor))
        if alone:
            unloaded = [(o["t1"] - o["t0"]) * 1000 for o in alone]
            emit("delivery_latency_unloaded_p50", percentile(unloaded, 0.50), "ms",
                 percentile(floor, 0.50))
            emit("delivery_latency_unloaded_p95", percentile(unloaded, 0.95), "ms",
                 percentile(floor, 0.95))
        emit("delivery_latency_p95_vs_60s_poll", percentile(latencies, 0.95), "ms",
             POLL_MODEL_P95_MS)
        total = len(alone + orders)  # every order of the run, unloaded ones included
        emit("deliveries_delivered", len(latencies) + len(alone), "orders", total)
        emit("deliveries_exactly_one_dm_own_key", exact, "orders", total)
        emit("orders_delivered_status", delivered, "orders", total)
        emit("delivery_throughput", len(orders) / elapsed, "orders/s")
        if exact != total or delivered != total:
            sys.exit(1)
    finally:
        # Each step on its own: one failing must not leave processes or the database behind.
        steps = [watcher.stop if watcher else None, lambda: stop(procs), mp.stop, sb.stop,
                 close_connections,
                 lambda: admin_sql(server_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')]
        for step in filter(None, steps):
            try:
                step()
            except Exception as exc:
                print(f"cleanup: {type(exc).__name__}: {exc}", file=sys.stderr)


def close_connections() -> None:
    from django.db import connections

    connections.close_all()

if __name__ == "__main__":
    main()
