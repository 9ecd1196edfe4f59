"""A product drop through the Bot API under gunicorn: N buyers race for K keys at once.

The platform runs under gunicorn with production settings (DEBUG=0) on its own database; the
Mercado Pago sandbox (in this process) takes the PIX charges. A shop on the Pro plan sells one
product with K keys; N buyers (customers of the shop, as the bot registers them) are released
together, each doing what the bot does on "Comprar": POST cart/items, then POST checkout, with
the shop's instance token. A separate load process (aiohttp, `--connections` kept-alive
connections) sends them, so the buyers' clocks do not share this process with the sandbox.

Correctness, checked on every run (exit 1 otherwise): exactly K checkouts answered 201 and K
orders exist holding K distinct keys; every other buyer was told 409 `out_of_stock` ("Estoque
insuficiente ... restam 0" in the shop's pt-BR, the bot shows the item "esgotado"), at the
cart or at checkout; nothing else (no 5xx, no oversell).

Figures: the whole drop's wall time (first request to last answer), checkout p50/p95 (ms) and
checkouts/s, each against the same-run uncontended baseline: the same N buyers, same
connections, each buying a variant of its own (one key each, so every checkout sells).

    python benchmarks/product_drop.py [--buyers 1000] [--keys 100] [--connections 64] [--smoke]

`--smoke` (make test): 40 buyers for 4 keys; the same checks. Needs PostgreSQL (DATABASE_URL,
to reach the server: the run creates and drops its own database) and Redis (REDIS_URL).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks._harness import bench_database, emit, free_port, wait_http  # noqa: E402
from benchmarks.delivery_latency import (  # noqa: E402
    admin_sql,
    close_connections,
    database_url_for,
    percentile,
    stop,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
TOKEN = "TEST-bench-drop"
SECRET = "sandbox-webhook-secret"


# --- load process ---------------------------------------------------------------------------
def run_load(plan_file: str, connections: int) -> None:
    """Every buyer at once (bounded by the pool): cart add, then checkout; print outcomes."""
    import aiohttp

    plan = json.loads(Path(plan_file).read_text())
    headers = {"Authorization": f"Bearer {plan['token']}", "Content-Type": "application/json"}

    async def buyer(session: aiohttp.ClientSession, who: dict) -> dict:
        base = f"{plan['base']}/api/bot/v1/customers/{who['user']}"
        out: dict = {"user": who["user"]}
        async with session.post(f"{base}/cart/items/", headers=headers,
                                data=json.dumps({"variant_id": who["variant"]})) as r:
            body = await r.json(content_type=None)
            if r.status != 200:
                out.update(step="cart", status=r.status, code=body.get("error", {}).get("code")
                           if isinstance(body.get("error"), dict) else body.get("code"),
                           message=str(body)[:200])
                return out
        started = time.perf_counter()
        async with session.post(f"{base}/checkout/", headers=headers, data="{}") as r:
            body = await r.json(content_type=None)
            out["checkout_ms"] = (time.perf_counter() - started) * 1000
            out.update(step="checkout", status=r.status, message=str(body)[:200])
            error = body.get("error") if isinstance(body, dict) else None
            out["code"] = (error.get("code") if isinstance(error, dict)
                           else body.get("code") if isinstance(body, dict) else None)
        return out

    async def main() -> dict:
        connector = aiohttp.TCPConnector(limit=connections)
        # No total deadline per request (aiohttp's default is 5 minutes): on a loaded machine
        # the last of 1,000 queued buyers waits longer than that, and the run is the measure.
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=30)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            began = time.perf_counter()
            results = await asyncio.gather(*(buyer(session, b) for b in plan["buyers"]))
            return {"wall_s": time.perf_counter() - began, "results": results}

    print(json.dumps(asyncio.run(main())))


def drop(env: dict, base: str, token: str, buyers: list[dict], connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as plan:
        json.dump({"base": base, "token": token, "buyers": buyers}, plan)
    out = subprocess.run([sys.executable, __file__, "--load", plan.name, "--connections",
                          str(connections)], env=env, capture_output=True, text=True,
                         timeout=1800)
    os.unlink(plan.name)
    if out.returncode:  # say why: the load process's own traceback
        raise RuntimeError(f"the load process failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- setup and checks -----------------------------------------------------------------------
def build_shop(run: str, buyers: int, keys: int) -> dict:
    from catalog.models import Product, Variant
    from catalog.services import stock_add
    from sales.models import Customer
    from tenants.models import PlanVersion, Subscription, User
    from tenants.services import instance_token_create, tenant_create

    owner = User.objects.create_user(username=f"drop-{run}", email=f"drop-{run}@example.com")
    tenant = tenant_create(owner=owner, name=f"Drop {run}")
    pro = PlanVersion.objects.filter(plan__slug="pro").order_by("-version").first()
    Subscription.objects.for_tenant(tenant).update(plan_version=pro,
                                                   status=Subscription.Status.ACTIVE)
    _token, plaintext = instance_token_create(tenant=tenant, actor=owner)
    hot_product = Product.objects.create(tenant=tenant, name="Drop")
    hot = Variant.objects.create(tenant=tenant, product=hot_product, label="Lote 1",
                                 price_cents=4990)
    stock_add(variant=hot, actor=None, lines=[f"DROP{run}K{i:04d}" for i in range(keys)])
    # The baseline: the same buyers, each with a variant (and key) of their own.
    own_product = Product.objects.create(tenant=tenant, name="Own")
    own = Variant.objects.bulk_create([
        Variant(tenant=tenant, product=own_product, label=f"v{i}", price_cents=4990)
        for i in range(buyers)])
    for variant in own:
        stock_add(variant=variant, actor=None, lines=[f"OWN{run}V{variant.pk}"])
    Customer.objects.bulk_create([
        Customer(tenant=tenant, discord_user_id=str(10**17 + i), display_name=f"Buyer {i}")
        for i in range(2 * buyers)])
    return {"tenant": tenant, "token": plaintext, "hot": hot.pk, "own": [v.pk for v in own]}


def check(tenant, hot_variant: int, outcome: dict, keys: int, buyers: int) -> list[str]:
    from catalog.models import StockItem
    from sales.models import OrderLine

    results = outcome["results"]
    sold = [r for r in results if r["step"] == "checkout" and r["status"] == 201]
    refused = [r for r in results if r["status"] == 409 and r.get("code") == "out_of_stock"]
    problems = []
    if len(sold) != keys:
        problems.append(f"{len(sold)} checkouts sold, expected {keys}")
    if len(refused) != buyers - keys:
        others = [r for r in results if r not in sold and r not in refused]
        problems.append(f"{len(refused)} told out_of_stock, expected {buyers - keys}; "
                        f"others: {others[:3]}")
    orders = set(OrderLine.objects.for_tenant(tenant).filter(variant_id=hot_variant)
                 .values_list("order_id", flat=True))
    items = list(StockItem.objects.for_tenant(tenant).filter(variant_id=hot_variant)
                 .exclude(order_ref=None).values_list("order_ref", flat=True))
    if len(orders) != keys or len(items) != keys or {str(o) for o in orders} != {
            str(i) for i in items}:
        problems.append(f"{len(orders)} orders / {len(items)} keys sold: not one to one")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=1000)
    parser.add_argument("--keys", type=int, default=100)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--smoke", action="store_true", help="40 buyers, 4 keys (CI)")
    parser.add_argument("--load", default="", help="(internal) the load process's plan")
    args = parser.parse_args()
    if args.load:
        return run_load(args.load, args.connections)
    if args.smoke:
        args.buyers, args.keys, args.connections = 40, 4, 16

    run = uuid.uuid4().hex[:8]
    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vitrine")
    db_name = f"vitrine_bench_drop_{run}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    from sandbox.mercadopago.testing import MercadoPagoSandbox

    mp = MercadoPagoSandbox().start()
    os.environ.update({
        "DATABASE_URL": database_url_for(server_url, db_name), "DEBUG": "0", "HTTPS": "0",
        "STATIC_MANIFEST": "0", "LOG_LEVEL": "warning", "PUBLIC_URL": base,
        "MERCADOPAGO_API_BASE_URL": mp.url, "MERCADOPAGO_ACCESS_TOKEN": TOKEN,
        "MERCADOPAGO_WEBHOOK_SECRET": SECRET, "GUNICORN_BIND": f"127.0.0.1:{port}"})
    if args.smoke:  # fewer processes to start: the smoke checks, it does not measure
        os.environ["GUNICORN_WORKERS"] = "2"
    env = os.environ.copy()
    os.environ["DATABASE_URL"] = bench_database(server_url, db_name)  # migrated already
    procs: list[subprocess.Popen] = []
    try:
        import django

        django.setup()

        shop = build_shop(run, args.buyers, args.keys)
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy/gunicorn.conf.py"),
             "-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "config.wsgi"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_http(f"{base}/healthz", timeout=180)
        ids = [str(10**17 + i) for i in range(2 * args.buyers)]
        # Warm every gunicorn worker on both paths (imports, connections), off the clock.
        drop(env, base, shop["token"], [{"user": ids[-1 - i], "variant": shop["own"][-1 - i]}
                                        for i in range(min(8, args.buyers))], args.connections)
        hot = drop(env, base, shop["token"], [{"user": ids[i], "variant": shop["hot"]}
                                              for i in range(args.buyers)], args.connections)
        rest = range(args.buyers, 2 * args.buyers - min(8, args.buyers))
        own = drop(env, base, shop["token"],
                   [{"user": ids[i], "variant": shop["own"][i - args.buyers]} for i in rest],
                   args.connections)
        problems = check(shop["tenant"], shop["hot"], hot, args.keys, args.buyers)
        hot_ms = [r["checkout_ms"] for r in hot["results"] if "checkout_ms" in r]
        own_ms = [r["checkout_ms"] for r in own["results"] if "checkout_ms" in r]
        emit("drop_within_s", hot["wall_s"], "s", own["wall_s"])
        emit("drop_sold", sum(1 for r in hot["results"] if r["status"] == 201), "orders",
             args.keys)
        emit("drop_told_sold_out", sum(1 for r in hot["results"] if r.get("code")
                                       == "out_of_stock"), "buyers", args.buyers - args.keys)
        emit("drop_checkout_p50", percentile(hot_ms, 0.5), "ms", percentile(own_ms, 0.5))
        emit("drop_checkout_p95", percentile(hot_ms, 0.95), "ms", percentile(own_ms, 0.95))
        emit("drop_checkouts_per_s", len(hot_ms) / hot["wall_s"], "checkouts/s",
             len(own_ms) / own["wall_s"])
        if problems:
            print(json.dumps({"name": "drop_correctness", "errors": problems}))
            sys.exit(1)
    finally:
        for step in (lambda: stop(procs), mp.stop, close_connections,
                     lambda: admin_sql(server_url,
                                       f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')):
            try:
                step()
            except Exception as exc:
                print(f"cleanup: {type(exc).__name__}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    main()
