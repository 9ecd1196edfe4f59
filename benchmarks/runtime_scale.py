"""Runtime at scale: a reconcile pass over 500 tenants with nothing to change, and per bot
start-to-READY seconds and resident memory. Docker (and swarm, when the engine is a swarm
manager) against the process backend as the baseline, measured in the same run.

Prints JSON lines {"name", "value", "unit", "baseline", "ratio"}.

The 500 tenants are real rows; BOTS of them (default 6) run a real bot against an in-process
Discord sandbox, the others are stopped: a machine with 2 cores cannot hold 500 bots, and what a
no-op pass costs is the listing (one engine call) plus the per-tenant decision, which is the
same for a stopped tenant and a healthy one. Needs a migrated database (DATABASE_URL) and, for
the docker figures, the engine and the bot image (deploy/build_bot_image.sh). `--smoke`
(make test): 20 tenants, one bot, the process and docker backends, one no-op pass each (the
no-op check, "a pass with nothing to do syncs nothing", still applies).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import transaction  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from runtime import controller, services  # noqa: E402
from runtime.backends import make_backend  # noqa: E402
from runtime.models import BotRuntime, Desired  # noqa: E402
from sandbox.discord.testing import DiscordSandbox  # noqa: E402
from tenants.models import Tenant, User  # noqa: E402

SMOKE = "--smoke" in sys.argv[1:]
TENANTS = int(os.environ.get("BENCH_TENANTS", "20" if SMOKE else "500"))
BOTS = int(os.environ.get("BENCH_BOTS", "1" if SMOKE else "6"))
PASSES = 1 if SMOKE else 5


def emit(name: str, value: float, baseline: float, unit: str) -> None:
    ratio = round(value / baseline, 3) if baseline else None
    print(json.dumps({"name": name, "value": round(value, 3), "unit": unit,
                      "baseline": round(baseline, 3), "ratio": ratio}), flush=True)


def wait_until(predicate, timeout: float = 60.0) -> bool:
    tick, waited = threading.Event(), 0.0
    while waited < timeout:
        if predicate():
            return True
        tick.wait(0.05)
        waited += 0.05
    return False


def make_tenants(sandbox: DiscordSandbox, tag: str) -> list[Tenant]:
    owner = User.objects.create_user(username=f"bench-{tag}")
    tenants = Tenant.objects.bulk_create(
        [Tenant(name=f"Bench {tag} {i}", slug=f"bench-{tag}-{i}", owner=owner)
         for i in range(TENANTS)])
    rows = []
    for i, tenant in enumerate(tenants):
        token = ""
        if i < BOTS:
            app = sandbox.create_application(f"Bench {tag} {i}", intents=1 << 1)
            sandbox.create_guild(f"Bench guild {tag} {i}", [app["id"]])
            token = app["token"]
        rows.append(BotRuntime(tenant=tenant, discord_token=token,
                               desired_state=Desired.RUNNING if token else Desired.STOPPED))
    BotRuntime.objects.bulk_create(rows)
    return tenants


def measure(kind: str, sandbox: DiscordSandbox) -> dict[str, float]:
    tag = f"{kind}{uuid.uuid4().hex[:6]}"
    namespace = f"vbench{tag}"
    tmp = tempfile.mkdtemp(prefix="vbench-")
    figures: dict[str, float] = {}
    with override_settings(RUNTIME_BACKEND=kind, RUNTIME_NAMESPACE=namespace, VAR_DIR=tmp,
                           DISCORD_API_BASE_URL=f"{sandbox.url}/api",
                           RUNTIME_PLATFORM_URL="http://127.0.0.1:9",
                           # The sandbox listens on this host's 127.0.0.1: a bot on the
                           # isolated bridge cannot reach it (it never became READY there).
                           RUNTIME_BOT_NETWORK="host"):
        backend = make_backend(kind, ns=namespace)
        try:
            with transaction.atomic():
                tenants = make_tenants(sandbox, tag)
                ready, rss = [], []
                for tenant in tenants[:BOTS]:
                    started = time.perf_counter()
                    runtime = controller.sync_tenant(tenant.pk, backend=backend)
                    instance = backend.list()[tenant.pk]
                    if wait_until(lambda inst=instance: "READY" in backend.logs(inst, tail=50)):
                        ready.append(time.perf_counter() - started)
                    services.runtime_heartbeat(tenant=runtime.tenant, latency_ms=1)
                for tenant in tenants[:BOTS]:
                    stats = backend.stats(backend.list()[tenant.pk])
                    if stats and stats.memory_bytes:
                        rss.append(stats.memory_bytes / 1048576)
                if len(ready) < BOTS:
                    raise RuntimeError(f"{kind}: {BOTS - len(ready)} of {BOTS} bots never READY")
                controller.reconcile_all(backend=backend)  # settle (observed = running)
                times, calls = [], []
                for _ in range(PASSES):
                    began = time.perf_counter()
                    result = controller.reconcile_all(backend=backend)
                    times.append((time.perf_counter() - began) * 1000)
                    calls.append(result.engine_calls)
                    assert result.synced == 0, f"{kind}: a no-op pass synced {result.synced}"
                figures = {"pass_ms": statistics.median(times),
                           "calls": statistics.median(calls),
                           "ready_s": statistics.mean(ready) if ready else float("nan"),
                           "rss_mb": statistics.mean(rss) if rss else float("nan")}
                transaction.set_rollback(True)
        finally:
            backend.remove_all()
    return figures


def main() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    kinds = ["docker"]
    if os.environ.get("BENCH_SWARM", "0" if SMOKE else "1") == "1":
        kinds.append("swarm")
    with DiscordSandbox() as sandbox:
        base = measure("process", sandbox)
        for kind in kinds:
            try:
                got = measure(kind, sandbox)
            except Exception as exc:  # no engine here: say so and go on (CI requires one)
                print(json.dumps({"name": f"runtime_{kind}", "error": str(exc)[:200]}))
                if os.environ.get("REQUIRE_DOCKER") == "1":
                    raise
                continue
            emit(f"runtime_{kind}_reconcile_{TENANTS}_noop_pass", got["pass_ms"],
                 base["pass_ms"], "ms")
            emit(f"runtime_{kind}_reconcile_{TENANTS}_engine_calls", got["calls"],
                 base["calls"], "calls/pass")
            emit(f"runtime_{kind}_start_to_ready", got["ready_s"], base["ready_s"], "s")
            emit(f"runtime_{kind}_bot_memory", got["rss_mb"], base["rss_mb"], "MB")


if __name__ == "__main__":
    main()
