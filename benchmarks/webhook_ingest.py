"""Webhook ingestion under gunicorn: acknowledged req/s and latency vs a trivial view.

Production settings (DEBUG=0) under gunicorn on 127.0.0.1 receive N signed Mercado Pago
notifications (20% duplicates) from a separate load-generating process; /healthz is served the
same way in the same run as the baseline. A Celery worker applies the events against the
in-process Mercado Pago sandbox; once the queue drains, every payment must have exactly one
transition (one `payment.approved` audit line, written in the same transaction as the
dispatch). Prints JSON lines {"name", "value", "unit", "baseline", "ratio"}.

    python benchmarks/webhook_ingest.py [--n 2000] [--concurrency 32]

Needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL), like the test suite. Binds 127.0.0.1
only and stops its gunicorn and worker by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
TOKEN = "TEST-bench-webhooks"
SECRET = "sandbox-webhook-secret"  # the sandbox's default for TEST- tokens
DUPLICATE_SHARE = 0.2
ROUNDS = 4


# --- load generator (its own process) ------------------------------------------------------
def run_load(url: str, plan_file: str, concurrency: int) -> None:
    import aiohttp

    # Signed by the emulator's own signer (no Django in this process), as MP would.
    from sandbox.mercadopago.webhooks import sign

    plan = json.loads(Path(plan_file).read_text()) if plan_file else None

    async def main() -> dict:
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        queue: asyncio.Queue = asyncio.Queue()
        for item in plan["requests"] if plan else range(int(os.environ["BENCH_N"])):
            queue.put_nowait(item)
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def worker() -> None:
                while not queue.empty():
                    item = queue.get_nowait()
                    started = time.perf_counter()
                    if plan:
                        request_id = uuid.uuid4().hex
                        data_id = item["data_id"]
                        headers = {"content-type": "application/json", "x-request-id": request_id,
                                   "x-signature": sign(SECRET, data_id, request_id,
                                                       int(time.time()))}
                        body = json.dumps({"id": item["event_id"], "type": "payment",
                                           "action": "payment.updated",
                                           "data": {"id": data_id}})
                        call = session.post(f"{url}?data.id={data_id}&type=payment",
                                            data=body, headers=headers)
                    else:
                        call = session.get(url)
                    async with call as response:
                        await response.read()
                    latencies.append(time.perf_counter() - started)
                    statuses[response.status] = statuses.get(response.status, 0) + 1

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            elapsed = time.perf_counter() - started
        return {"elapsed": elapsed, "statuses": statuses, "count": len(latencies),
                "latencies": [round(x * 1000, 3) for x in latencies]}

    print(json.dumps(asyncio.run(main())))


# --- Celery worker (its own process) -------------------------------------------------------
def run_worker() -> None:
    import django

    django.setup()
    from config.celery import app
    from payments import registry

    # The bench pays for Tenant rows; the handler is the payable app's part and does nothing.
    registry.register("tenants.tenant", lambda payment, outcome: None)
    app.worker_main(["worker", "-Q", "default", "-c", str(os.cpu_count() or 2), "-l", "warning",
                     "--without-gossip", "--without-mingle", "--without-heartbeat",
                     "-n", f"bench-{uuid.uuid4().hex[:6]}@%h"])


# --- orchestration ------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def emit(name: str, value: float, unit: str, baseline: float | None = None) -> None:
    ratio = round(value / baseline, 3) if baseline else None
    print(json.dumps({"name": name, "value": round(value, 2), "unit": unit,
                      "baseline": None if baseline is None else round(baseline, 2),
                      "ratio": ratio}), flush=True)


def load(env: dict, url: str, plan_file: str, concurrency: int, n: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--load", url, "--plan", plan_file,
         "--concurrency", str(concurrency)],
        env={**env, "BENCH_N": str(n)}, capture_output=True, text=True, check=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def merge(runs: list[dict]) -> dict:
    latencies = sorted(x for run in runs for x in run["latencies"])
    statuses: dict[str, int] = {}
    for run in runs:
        for code, count in run["statuses"].items():
            statuses[code] = statuses.get(code, 0) + count
    return {"count": len(latencies), "elapsed": sum(run["elapsed"] for run in runs),
            "statuses": statuses, "p50": latencies[len(latencies) // 2],
            "p95": latencies[int(len(latencies) * 0.95) - 1]}


def wait_http(url: str, timeout: float = 30) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} never answered")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--load")
    parser.add_argument("--plan", default="")
    parser.add_argument("--worker", action="store_true")
    args = parser.parse_args()
    if args.load:
        return run_load(args.load, args.plan, args.concurrency)
    if args.worker:
        return run_worker()

    import django

    django.setup()
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import DatabaseError
    from django.db.models import Count

    from audit.models import AuditEvent
    from config.celery import app
    from payments.models import Payment, WebhookEvent
    from sandbox.mercadopago.testing import MercadoPagoSandbox
    from tenants.models import Tenant, User

    call_command("migrate", "payments", verbosity=0)  # and what it depends on, no more
    run = uuid.uuid4().hex[:8]
    unique = int(args.n * (1 - DUPLICATE_SHARE))
    procs: list[subprocess.Popen] = []
    sandbox = MercadoPagoSandbox().start()
    owner = User.objects.create_user(username=f"bench-{run}", email=f"bench-{run}@example.com")
    tenant = Tenant.objects.create(name=f"Bench {run}", slug=f"bench-{run}", owner=owner)
    try:
        sdk = sandbox.sdk(TOKEN)
        payments = Payment.objects.bulk_create([
            Payment(tenant=tenant, payable_type=ContentType.objects.get_for_model(Tenant),
                    payable_id=tenant.pk, provider="mercadopago", method="pix",
                    amount_cents=1000 + i, status="pending") for i in range(unique)])
        for payment in payments:
            body = sdk.payment().create({
                "transaction_amount": payment.amount_cents / 100, "payment_method_id": "pix",
                "external_reference": str(payment.pk), "payer": {"email": "b@example.com"},
            })["response"]
            payment.provider_payment_id = str(body["id"])
            sandbox.approve(body["id"])
        Payment.objects.unscoped().bulk_update(payments, ["provider_payment_id"])
        requests_plan = [{"event_id": f"bench-{run}-{i}", "data_id": p.provider_payment_id}
                         for i, p in enumerate(payments)]
        requests_plan += requests_plan[: args.n - unique]  # MP resending: same event ids
        random.Random(7).shuffle(requests_plan)
        chunks = [requests_plan[i::ROUNDS] for i in range(ROUNDS)]
        plan_dir = Path(tempfile.mkdtemp())

        port = free_port()
        env = {**os.environ, "DEBUG": "0", "HTTPS": "0", "STATIC_MANIFEST": "0",
               "LOG_LEVEL": "warning", "MERCADOPAGO_API_BASE_URL": sandbox.url,
               "MERCADOPAGO_ACCESS_TOKEN": TOKEN, "MERCADOPAGO_WEBHOOK_SECRET": SECRET,
               "PUBLIC_URL": "http://127.0.0.1:9", "GUNICORN_BIND": f"127.0.0.1:{port}"}
        app.control.purge()
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy/gunicorn.conf.py"),
             "-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "config.wsgi"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/healthz")
        load(env, f"{base}/healthz", "", args.concurrency, 200)  # warm every worker

        # Interleaved rounds: the machine's noise hits the baseline and the webhook alike.
        hook_runs, health_runs = [], []
        for number, chunk in enumerate(chunks):
            plan_file = plan_dir / f"plan-{number}.json"
            plan_file.write_text(json.dumps({"requests": chunk}))
            health_runs.append(load(env, f"{base}/healthz", "", args.concurrency, len(chunk)))
            hook_runs.append(load(env, f"{base}/webhooks/mercadopago", str(plan_file),
                                  args.concurrency, len(chunk)))
        hooks, health = merge(hook_runs), merge(health_runs)

        procs.append(subprocess.Popen([sys.executable, __file__, "--worker"], cwd=ROOT, env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        events = WebhookEvent.objects.filter(event_id__startswith=f"bench-{run}-")
        deadline = time.monotonic() + 600
        started_drain = time.monotonic()
        while events.filter(state__in=["received", "queued", "processing"]).exists():
            if time.monotonic() > deadline:
                raise RuntimeError("the queue never drained")
            time.sleep(0.5)
        drain_s = time.monotonic() - started_drain

        accepted = hooks["statuses"].get("200", 0)
        emit("webhook_ingest_throughput", hooks["count"] / hooks["elapsed"], "req/s",
             health["count"] / health["elapsed"])
        emit("webhook_ingest_p50", hooks["p50"], "ms", health["p50"])
        emit("webhook_ingest_p95", hooks["p95"], "ms", health["p95"])
        emit("webhook_ingest_accepted", accepted, "requests", hooks["count"])
        emit("webhook_events_stored", events.count(), "events", unique)
        approved = dict(AuditEvent.objects.filter(
            action="payment.approved", target_type="payments.payment",
            target_id__in=[str(p.pk) for p in payments]).values_list("target_id").annotate(
                n=Count("id")))
        exactly_once = sum(1 for p in payments if approved.get(str(p.pk)) == 1)
        still_open = Payment.objects.unscoped().filter(
            pk__in=[p.pk for p in payments]).exclude(status="approved").count()
        emit("payments_transitioned_exactly_once", exactly_once, "payments", unique)
        emit("payments_not_approved", still_open, "payments", 0)
        emit("webhook_queue_drain", drain_s, "s")
        if exactly_once != unique or accepted != hooks["count"]:
            sys.exit(1)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        sandbox.stop()
        WebhookEvent.objects.filter(event_id__startswith=f"bench-{run}-").delete()
        Payment.objects.unscoped().filter(tenant=tenant).delete()
        try:
            tenant.delete()
            owner.delete()
        except DatabaseError as exc:  # another app's table not migrated yet: leave the rows
            print(f"cleanup left tenant {tenant.slug}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    main()
