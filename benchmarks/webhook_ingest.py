"""Webhook ingestion under gunicorn: acknowledged req/s and latency vs a trivial view.

Production settings (DEBUG=0) under gunicorn on 127.0.0.1 receive N signed Mercado Pago
notifications (20% duplicates) from a separate load-generating process; /healthz is served the
same way in the same run as the baseline. The load generator keeps one pool of connections and
alternates phases (healthz, webhook, healthz, ...) after warming both paths, so the machine's
noise falls on both alike; the ratio is total over total, and each phase pair's ratio is printed
too (on a shared two-core machine single phases swing widely). A Celery worker then applies the
events against the in-process Mercado Pago sandbox; once the queue drains, every payment must
have exactly one transition (one `payment.approved` audit line, written in the same transaction
as the dispatch). Prints JSON lines {"name", "value", "unit", "baseline", "ratio"}.

    python benchmarks/webhook_ingest.py [--n 2000] [--concurrency 32] [--rounds 8]
                                        [--compare-ref REF] [--smoke]

`--smoke` (make test): 60 notifications, 2 rounds, 4 connections, a short warm-up; the
exactly-once and every-request-accepted checks apply.

--compare-ref REF also serves the webhook from another commit (checked out in a temporary git
worktree, its own gunicorn on the same database and Redis) and alternates the two servers'
phases round by round, so both ratios come from one run on the same machine moment; the
`webhook_ingest_compare` line gives both and their difference (`*_ref` lines: the ref's own).

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
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks._harness import emit, free_port, wait_http  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
TOKEN = "TEST-bench-webhooks"
SECRET = "sandbox-webhook-secret"  # the sandbox's default for TEST- tokens
DUPLICATE_SHARE = 0.2
WARMUP = 200


# --- load generator (its own process) ------------------------------------------------------
def _signed_request(url: str, item: dict) -> tuple[str, str, bytes, dict]:
    # Signed by the emulator's own signer (no Django in this process), as MP would.
    from sandbox.mercadopago.webhooks import sign

    request_id, data_id = uuid.uuid4().hex, item["data_id"]
    headers = {"content-type": "application/json", "x-request-id": request_id,
               "x-signature": sign(SECRET, data_id, request_id, int(time.time()))}
    body = json.dumps({"id": item["event_id"], "type": "payment", "action": "payment.updated",
                       "data": {"id": data_id}}).encode()
    return "POST", f"{url}?data.id={data_id}&type=payment", body, headers


def server_cpu(master: int) -> dict[str, float]:
    """CPU seconds used so far by the gunicorn master `master` and each of its workers, by pid
    (Linux /proc). Unlike requests per second, it does not count the time other processes on
    a busy machine take from the server, so two servers' costs per request compare more
    steadily.
    """
    if not master:
        return {}
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return {}
    used = {}
    for pid in [str(master), *children]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a worker that just exited
        used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime+stime
    return used


def cpu_between(before: dict[str, float], after: dict[str, float]) -> float:
    """CPU the processes alive at both ends used in between: a worker gunicorn recycled
    (max_requests) leaves out its last requests, and its successor's start-up is no request's."""
    return sum(after[pid] - before[pid] for pid in before.keys() & after.keys())


def run_load(plan_file: str, concurrency: int) -> None:
    """Run the plan's phases in order over one session; print each phase's figures.

    One process and one pool of kept-alive connections for the whole run, phases alternating
    between /healthz and the webhook: both meet the same machine, moment by moment. Requests
    are built and signed before any clock starts: signing is the sender's work, and on two
    cores every millisecond this process spends is one the server under test loses. The
    timestamps stay well inside the tolerance (the whole run lasts seconds).
    """
    import aiohttp

    phases = json.loads(Path(plan_file).read_text())["phases"]
    work = [[_signed_request(f"{phase['base']}/webhooks/mercadopago", item)
             for item in phase["requests"]] if phase["kind"] == "hook"
            else [("GET", f"{phase['base']}/healthz", None, None)] * phase["n"]
            for phase in phases]

    async def run_phase(session: aiohttp.ClientSession, requests: list, server: int) -> dict:
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        queue: asyncio.Queue = asyncio.Queue()
        for item in requests:
            queue.put_nowait(item)

        async def worker() -> None:
            while not queue.empty():
                method, target, body, headers = queue.get_nowait()
                started = time.perf_counter()
                async with session.request(method, target, data=body,
                                           headers=headers) as response:
                    await response.read()
                latencies.append(time.perf_counter() - started)
                statuses[response.status] = statuses.get(response.status, 0) + 1

        cpu_before = server_cpu(server)
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        return {"elapsed": elapsed, "statuses": statuses, "count": len(latencies),
                "cpu": cpu_between(cpu_before, server_cpu(server)),
                "latencies": [round(x * 1000, 3) for x in latencies]}

    async def main() -> list[dict]:
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            return [{"kind": phase["kind"], "warmup": phase.get("warmup", False),
                     "side": phase.get("side", ""),
                     **await run_phase(session, requests, phase.get("server", 0))}
                    for phase, requests in zip(phases, work, strict=True)]

    print(json.dumps(asyncio.run(main())))


# --- Celery worker (its own process) -------------------------------------------------------
def run_worker(concurrency: int) -> None:
    import django

    django.setup()
    from config.celery import app
    from payments import registry

    # The bench pays for Tenant rows; the handler is the payable app's part and does nothing.
    registry.register("tenants.tenant", lambda payment, outcome: None)
    app.worker_main(["worker", "-Q", "default", "-c", str(concurrency), "-l", "warning",
                     "--without-gossip", "--without-mingle", "--without-heartbeat",
                     "-n", f"bench-{uuid.uuid4().hex[:6]}@%h"])


# --- orchestration ------------------------------------------------------------------------
def load(env: dict, plan_file: Path, concurrency: int) -> list[dict]:
    out = subprocess.run(
        [sys.executable, __file__, "--load", "--plan", str(plan_file),
         "--concurrency", str(concurrency)],
        env=env, capture_output=True, text=True, check=True, timeout=1200)
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


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


@dataclass
class Side:
    """One server under test: this checkout, or another git ref's tree (--compare-ref)."""

    suffix: str  # "" for this checkout, "_ref" for the compared ref (figure names)
    root: Path
    commit: str
    port: int = 0
    base: str = ""
    log: Path | None = None
    results: list[dict] = field(default_factory=list)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=8,
                        help="phase pairs per server (more: finer alternation, same requests)")
    parser.add_argument("--compare-ref", default="",
                        help="also serve the webhook from this git ref (checked out in a "
                             "temporary worktree) and alternate the two servers' phases")
    parser.add_argument("--load", action="store_true", help="(internal) the load generator")
    parser.add_argument("--plan", default="")
    parser.add_argument("--worker", action="store_true")
    # As deployed (docker-compose.yml's worker): four processes on the default queue.
    parser.add_argument("--worker-concurrency", type=int, default=4)
    parser.add_argument("--smoke", action="store_true", help="60 notifications (CI)")
    args = parser.parse_args()
    if args.smoke:
        global WARMUP
        args.n, args.rounds, args.concurrency, WARMUP = 60, 2, 4, 10
    if args.load:
        return run_load(args.plan, args.concurrency)
    if args.worker:
        return run_worker(args.worker_concurrency)

    import django

    django.setup()
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import DatabaseError, connection
    from django.db.models import Count, Max, Min

    from audit.models import AuditEvent
    from config.celery import app
    from payments import ingest
    from payments.models import Payment, WebhookEvent
    from sandbox.mercadopago.testing import MercadoPagoSandbox
    from tenants.models import Tenant, User

    # Every app: applying an event writes the audit line (audit is no migration dependency of
    # payments), and on a fresh database (make bench-smoke) nothing else has migrated it.
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:  # rows earlier runs deleted: not vacuumed mid-run
        for model in (WebhookEvent, Payment):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    run = uuid.uuid4().hex[:8]
    unique = int(args.n * (1 - DUPLICATE_SHARE))
    sides = [Side("", ROOT, git("rev-parse", "HEAD"))]
    ref_tree = None
    if args.compare_ref:
        # The other code, as it was at that ref, served by its own gunicorn (same venv, same
        # database and Redis); the schema must be the one this checkout migrated.
        ref_tree = Path(tempfile.mkdtemp(prefix="webhook-ingest-ref-")) / "tree"
        commit = git("rev-parse", "--verify", f"{args.compare_ref}^{{commit}}")
        git("worktree", "add", "--detach", str(ref_tree), commit)
        sides.append(Side("_ref", ref_tree, commit))
    procs: list[subprocess.Popen] = []
    sandbox = MercadoPagoSandbox().start()
    owner = User.objects.create_user(username=f"bench-{run}", email=f"bench-{run}@example.com")
    tenant = Tenant.objects.create(name=f"Bench {run}", slug=f"bench-{run}", owner=owner)
    try:
        sdk = sandbox.sdk(TOKEN)
        payments = Payment.objects.bulk_create([
            Payment(tenant=tenant, payable_type=ContentType.objects.get_for_model(Tenant),
                    payable_id=tenant.pk, provider="mercadopago", method="pix",
                    amount_cents=1000 + i, status="pending")
            for i in range(unique * len(sides))])
        for payment in payments:
            body = sdk.payment().create({
                "transaction_amount": payment.amount_cents / 100, "payment_method_id": "pix",
                "external_reference": str(payment.pk), "payer": {"email": "b@example.com"},
            })["response"]
            payment.provider_payment_id = str(body["id"])
            sandbox.approve(body["id"])
        Payment.objects.unscoped().bulk_update(payments, ["provider_payment_id"])
        plan_dir = Path(tempfile.mkdtemp())

        env = {**os.environ, "DEBUG": "0", "HTTPS": "0", "STATIC_MANIFEST": "0",
               "LOG_LEVEL": "warning", "MERCADOPAGO_API_BASE_URL": sandbox.url,
               "MERCADOPAGO_ACCESS_TOKEN": TOKEN, "MERCADOPAGO_WEBHOOK_SECRET": SECRET,
               "PUBLIC_URL": "http://127.0.0.1:9"}
        env.pop("PYTHONPATH", None)  # each server imports its own tree only
        if args.smoke:  # fewer processes to start: the smoke checks, it does not measure
            env["GUNICORN_WORKERS"] = "2"
        app.control.purge()
        # A "drain pending" flag an earlier run left (its worker stopped mid-drain; the drain
        # task itself just purged) would make every acknowledgement trust a drain that never
        # comes: the events would stay "received" until the flag's TTL and the next
        # notification, and after the load there is none (no beat sweeper runs here).
        if (flag := ingest.current().drain_flag()) is not None:
            flag.delete(ingest.DRAIN_KEY)
        for side in sides:
            side.port = free_port()
            side.base = f"http://127.0.0.1:{side.port}"
            side.log = plan_dir / f"gunicorn{side.suffix}.log"
            # Two masters must not share gunicorn's default control socket path.
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(side.root / "deploy/gunicorn.conf.py"),
                 "-b", f"127.0.0.1:{side.port}", "--access-logfile", "/dev/null",
                 "--control-socket", str(plan_dir / f"gunicorn{side.suffix}.ctl"), "config.wsgi"],
                cwd=side.root, env={**env, "GUNICORN_BIND": f"127.0.0.1:{side.port}"},
                stdout=subprocess.DEVNULL, stderr=side.log.open("wb")))
        for side in sides:
            try:
                # Every worker loads Django: on a busy two-core machine, two servers take a while.
                wait_http(f"{side.base}/healthz", timeout=180)
            except RuntimeError:
                print(side.log.read_text()[-3000:], file=sys.stderr)
                raise
        # Both paths warm every worker (imports, connections, the prepared insert) before the
        # clock: the figures are the steady state. Warm-up notifications name payments the
        # provider does not know, so the worker ignores them. Then the phases alternate, so
        # the machine's noise hits the baseline and the webhook alike; with two servers, each
        # round runs both, in turns (this checkout first in even rounds, the ref in odd ones).
        phases: list[dict] = []
        chunks: dict[str, list[list[dict]]] = {}
        for number, side in enumerate(sides):
            own = payments[number * unique:(number + 1) * unique]
            plan = [{"event_id": f"bench-{run}-{number}-{i}", "data_id": p.provider_payment_id}
                    for i, p in enumerate(own)]
            plan += plan[: args.n - unique]  # MP resending: same event ids
            random.Random(7).shuffle(plan)
            chunks[side.suffix] = [plan[i::args.rounds] for i in range(args.rounds)]
            warm = [{"event_id": f"warm-{run}-{number}-{i}", "data_id": str(9_000_000_000 + i)}
                    for i in range(WARMUP)]
            phases += [{"kind": "health", "n": WARMUP, "warmup": True, "base": side.base},
                       {"kind": "hook", "requests": warm, "warmup": True, "base": side.base}]
        servers = dict(zip((side.suffix for side in sides), procs, strict=True))
        for number in range(args.rounds):
            for side in (sides if number % 2 == 0 else sides[::-1]):
                chunk = chunks[side.suffix][number]
                at = {"base": side.base, "side": side.suffix, "server": servers[side.suffix].pid}
                phases += [{"kind": "health", "n": len(chunk), **at},
                           {"kind": "hook", "requests": chunk, **at}]
        plan_file = plan_dir / "plan.json"
        plan_file.write_text(json.dumps({"phases": phases}))
        results = [r for r in load(env, plan_file, args.concurrency) if not r["warmup"]]
        for side in sides:
            side.results = [r for r in results if r["side"] == side.suffix]

        worker_log = plan_dir / "worker.log"
        procs.append(subprocess.Popen([sys.executable, __file__, "--worker",
                                       "--worker-concurrency", str(args.worker_concurrency)],
                                      cwd=ROOT, env=env,
                                      stdout=subprocess.DEVNULL, stderr=worker_log.open("wb")))
        events = WebhookEvent.objects.filter(event_id__startswith=f"bench-{run}-")
        deadline = time.monotonic() + 600
        started_drain = time.monotonic()
        while events.filter(state__in=["received", "queued", "processing"]).exists():
            if time.monotonic() > deadline:
                print(worker_log.read_text()[-3000:], file=sys.stderr)
                raise RuntimeError("the queue never drained")
            time.sleep(0.5)
        drain_s = time.monotonic() - started_drain

        ratios, cpu_ratios = {}, {}
        all_accepted = True
        for side in sides:
            hook_runs = [r for r in side.results if r["kind"] == "hook"]
            health_runs = [r for r in side.results if r["kind"] == "health"]
            hooks, health = merge(hook_runs), merge(health_runs)
            round_ratios = sorted((h["count"] / h["elapsed"]) / (b["count"] / b["elapsed"])
                                  for h, b in zip(hook_runs, health_runs, strict=True))
            accepted = hooks["statuses"].get("200", 0)
            all_accepted &= accepted == hooks["count"]
            ratios[side.suffix] = (hooks["count"] / hooks["elapsed"]) / (
                health["count"] / health["elapsed"])
            emit(f"webhook_ingest_throughput{side.suffix}", hooks["count"] / hooks["elapsed"],
                 "req/s", health["count"] / health["elapsed"])
            emit(f"webhook_ingest_round_ratio_median{side.suffix}",
                 round_ratios[len(round_ratios) // 2], "ratio")
            print(json.dumps({"name": f"webhook_ingest_round_ratios{side.suffix}",
                              "value": [round(r, 3) for r in round_ratios], "unit": "ratio"}))
            emit(f"webhook_ingest_p50{side.suffix}", hooks["p50"], "ms", health["p50"])
            emit(f"webhook_ingest_p95{side.suffix}", hooks["p95"], "ms", health["p95"])
            emit(f"webhook_ingest_accepted{side.suffix}", accepted, "requests", hooks["count"])
            # The server's CPU per request, webhook over /healthz: its cost, whoever else runs.
            cpu_hook = sum(r["cpu"] for r in hook_runs) / hooks["count"] * 1000
            cpu_health = sum(r["cpu"] for r in health_runs) / health["count"] * 1000
            cpu_ratios[side.suffix] = cpu_health / cpu_hook if cpu_hook else 0.0
            emit(f"webhook_ingest_server_cpu{side.suffix}", cpu_hook, "ms/request", cpu_health)
        if ref_tree is not None:
            # Both ratios (webhook req/s over /healthz req/s, each server against its own
            # baseline) and how far this checkout is from the ref, in the same run.
            dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
            print(json.dumps({"name": "webhook_ingest_compare", "commit": sides[0].commit,
                              "uncommitted_changes": dirty,
                              "ref": args.compare_ref, "ref_commit": sides[1].commit,
                              "ratio": round(ratios[""], 3), "ratio_ref": round(ratios["_ref"], 3),
                              "cpu_ratio": round(cpu_ratios[""], 3),
                              "cpu_ratio_ref": round(cpu_ratios["_ref"], 3),
                              "value": round(ratios[""] - ratios["_ref"], 3),
                              "unit": "ratio difference"}), flush=True)
        emit("webhook_events_stored", events.count(), "events", unique * len(sides))
        approved = dict(AuditEvent.objects.filter(
            action="payment.approved", target_type="payments.payment",
            target_id__in=[str(p.pk) for p in payments]).values_list("target_id").annotate(
                n=Count("id")))
        exactly_once = sum(1 for p in payments if approved.get(str(p.pk)) == 1)
        still_open = Payment.objects.unscoped().filter(
            pk__in=[p.pk for p in payments]).exclude(status="approved").count()
        emit("payments_transitioned_exactly_once", exactly_once, "payments", len(payments))
        emit("payments_not_approved", still_open, "payments", 0)
        emit("webhook_queue_drain", drain_s, "s")
        # Apply rate on the server's clocks, first claim to last applied: the worker's start-up
        # (it is started after the load) is not the pipeline's.
        span = events.aggregate(first=Min("claimed_at"), last=Max("processed_at"))
        applied = events.filter(state__in=["processed", "ignored"]).count()
        if span["first"] and span["last"] and span["last"] > span["first"]:
            emit("webhook_apply_throughput",
                 applied / (span["last"] - span["first"]).total_seconds(), "events/s")
        if exactly_once != len(payments) or not all_accepted:
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
        if ref_tree is not None:
            git("worktree", "remove", "--force", str(ref_tree))
        WebhookEvent.objects.filter(event_id__startswith=f"bench-{run}-").delete()
        WebhookEvent.objects.filter(event_id__startswith=f"warm-{run}-").delete()
        Payment.objects.unscoped().filter(tenant=tenant).delete()
        try:
            tenant.delete()
            owner.delete()
        except DatabaseError as exc:  # another app's table not migrated yet: leave the rows
            print(f"cleanup left tenant {tenant.slug}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    main()
