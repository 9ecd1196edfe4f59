"""Bot density: many real bot containers on one machine, started and watched by the controller.

The docker backend runs each shop's bot as in production (read-only root, every capability
dropped, no-new-privileges, an init, memory/CPU/pids limits, secrets as files, log rotation)
except the network: the Discord sandbox listens on this host's 127.0.0.1, so the bots share the
host's network (RUNTIME_BOT_NETWORK=host, as every runtime test here; no test may send traffic
to a private-range bridge). The sandbox runs as its own process, so its gateway does not share
this process's interpreter with the controller.

For each size in --shops (default 100 and 500 shops, --bots of them running, the others
stopped), on a database of its own:
- the start request: `desired = running` is written for the --bots shops, then one controller
  pass (`reconcile_all`) starts them; `all_ready` is the time from that write to the last bot's
  "READY" line (the engine's own timestamp of the line, so polling does not inflate it);
- memory once every bot is READY and idle: the sum of the containers' memory as the engine
  reports it (cgroup usage less inactive file cache, what the portal shows), and the host's
  used memory (MemTotal - MemAvailable) before and after, which adds the engine's own per
  container cost (containerd shims);
- a reconcile pass with nothing to do (median of 5), after each bot has reported in.
Baselines from the same run: one bot started alone (its start-to-READY; its memory times
--bots), and the engine listing alone for the no-op pass (the one call a pass cannot avoid).

    python benchmarks/bot_density.py [--bots 100] [--shops 100,500] [--smoke]

`--smoke` (make test): 2 bots among 6 shops, no solo baseline; the same checks (every bot
READY, a no-op pass syncs nothing, every container removed afterwards), no timing claims. Needs
PostgreSQL (DATABASE_URL, to reach the server: the run makes and drops its own database), the
Docker engine and the bot image (deploy/build_bot_image.sh; BENCH_BOT_IMAGE to pick another).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks._harness import bench_database, emit, free_port, wait_http  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
MEMBERS_INTENT = 1 << 1
READY_LINE = "READY as"
PASSES = 5


# --- helpers ----------------------------------------------------------------------------------
def host_used_mb() -> float:
    info = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    kb = int(info["MemTotal"].split()[0]) - int(info["MemAvailable"].split()[0])
    return kb / 1024


def parse_stamp(stamp: str) -> float:
    """RFC 3339 with nanoseconds (the engine's log time) as a Unix time."""
    head, _dot, frac = stamp.rstrip("Z").partition(".")
    return datetime.fromisoformat(f"{head}.{(frac + '000000')[:6]}+00:00").timestamp()


def ready_time(backend, ref: str, log_paths: dict[str, str]) -> float | None:
    """When the bot logged READY, as a Unix time (the engine timestamps each line).

    Read from the engine's json-file log on this host when it is readable (asking the engine
    for logs a hundred times a second took CPU from the bots it was timing), else through the
    logs API."""
    path = log_paths.get(ref)
    if path is None:
        path = log_paths[ref] = backend.api.inspect_container(ref).get("LogPath") or ""
    if path and os.access(path, os.R_OK):
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if READY_LINE in line:
                    return parse_stamp(json.loads(line)["time"])
        return None
    raw = backend.api.logs(ref, timestamps=True, tail=200).decode("utf-8", "replace")
    for line in raw.splitlines():
        stamp, _sep, text = line.partition(" ")
        if READY_LINE in text:
            return parse_stamp(stamp)
    return None


def wait_ready(backend, refs: dict[int, str], since: float, timeout: float) -> dict[int, float]:
    """Seconds from `since` to each bot's READY line; raises if one never gets there."""
    pending, ready, log_paths = dict(refs), {}, {}
    deadline = time.monotonic() + timeout
    while pending:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(pending)} of {len(refs)} bots never READY")
        for tenant_id, ref in list(pending.items()):
            stamp = ready_time(backend, ref, log_paths)
            if stamp is not None:
                ready[tenant_id] = stamp - since
                del pending[tenant_id]
        if pending:
            time.sleep(1)  # the time is the line's own: polling slowly biases nothing
    return ready


def time_engine_calls(backend) -> dict[str, list[float]]:
    """Seconds of each engine call by name (BENCH_CALL_TIMES=1 prints them to stderr)."""
    times: dict[str, list[float]] = {}
    call = backend._call

    def timed(call_name, func, /, *args, **kwargs):
        began = time.perf_counter()
        try:
            return call(call_name, func, *args, **kwargs)
        finally:
            times.setdefault(call_name, []).append(time.perf_counter() - began)

    backend._call = timed
    return times


def print_call_times(times: dict[str, list[float]]) -> None:
    for name, values in sorted(times.items()):
        print(f"engine {name}: {len(values)} calls, median {statistics.median(values):.3f} s, "
              f"max {max(values):.3f} s, total {sum(values):.1f} s", file=sys.stderr)
    times.clear()


def containers_mb(backend, instances) -> float:
    with ThreadPoolExecutor(max_workers=16) as pool:
        stats = list(pool.map(backend.stats, instances))
    return sum((s.memory_bytes or 0) for s in stats if s) / 1048576


def remove_all(backend) -> None:
    """Every container of this run's namespace, several at once (each waits for its bot)."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(backend.remove, backend.list().values()))
    backend.remove_all()  # anything left (and the secrets directories)


# --- one size ---------------------------------------------------------------------------------
def make_shops(sandbox, tag: str, shops: int, bots: int) -> list[int]:
    """`shops` tenants with a runtime row each, stopped; the first `bots` have a Discord bot."""
    from runtime.models import BotRuntime, Desired
    from tenants.models import Tenant, User

    owner = User.objects.create_user(username=f"density-{tag}")
    tenants = Tenant.objects.bulk_create(
        [Tenant(name=f"Density {tag} {i}", slug=f"density-{tag}-{i}", owner=owner)
         for i in range(shops)])
    rows = []
    for i, tenant in enumerate(tenants):
        token = ""
        if i < bots:
            app = sandbox.create_application(f"Density {tag} {i}", intents=MEMBERS_INTENT)
            sandbox.create_guild(f"Density guild {tag} {i}", [app["id"]])
            token = app["token"]
        rows.append(BotRuntime(tenant=tenant, discord_token=token, desired_state=Desired.STOPPED))
    BotRuntime.objects.bulk_create(rows)
    return [t.pk for t in tenants[:bots]]


def start_and_wait(backend, tenant_ids: list[int], timeout: float) -> tuple[dict, float]:
    """The start request, then controller passes until every bot has a container (an engine
    call that timed out is retried by the next pass, as the beat's would), then every bot
    READY: (ready seconds by tenant, seconds of the passes)."""
    from django.utils import timezone

    from runtime import controller
    from runtime.models import BotRuntime, Desired

    since = time.time()
    BotRuntime.objects.unscoped().filter(tenant_id__in=tenant_ids).update(
        desired_state=Desired.RUNNING, desired_at=timezone.now())
    began = time.perf_counter()
    for _attempt in range(5):
        controller.reconcile_all(backend=backend)
        refs = {tid: inst.ref for tid, inst in backend.list().items() if tid in tenant_ids}
        if len(refs) == len(tenant_ids):
            break
    pass_s = time.perf_counter() - began
    if len(refs) != len(tenant_ids):
        raise RuntimeError(f"{len(tenant_ids) - len(refs)} bots have no container")
    return wait_ready(backend, refs, since, timeout), pass_s


def noop_passes(backend, tenant_ids: list[int]) -> tuple[float, float, int]:
    """Median ms of a pass with nothing to do, of the engine listing alone, and calls/pass."""
    from runtime import controller, services
    from runtime.models import BotRuntime

    for runtime in BotRuntime.objects.unscoped().filter(tenant_id__in=tenant_ids) \
            .select_related("tenant"):
        services.runtime_heartbeat(tenant=runtime.tenant, latency_ms=1)
    controller.reconcile_all(backend=backend)  # settle: every observed state recorded
    times, listing, calls = [], [], []
    for _ in range(PASSES):
        began = time.perf_counter()
        result = controller.reconcile_all(backend=backend)
        times.append((time.perf_counter() - began) * 1000)
        calls.append(result.engine_calls)
        if result.synced:
            raise RuntimeError(f"a pass with nothing to do synced {result.synced}")
        began = time.perf_counter()
        backend.list()
        listing.append((time.perf_counter() - began) * 1000)
    if os.environ.get("BENCH_PROFILE_PASS"):  # pyinstrument's view of one more pass, stderr
        from pyinstrument import Profiler

        with Profiler(interval=0.0005) as profiler:
            controller.reconcile_all(backend=backend)
        print(profiler.output_text(color=False, show_all=False), file=sys.stderr)
    return statistics.median(times), statistics.median(listing), int(statistics.median(calls))


def solo(backend, sandbox, timeout: float) -> tuple[float, float]:
    """One bot started alone: (start-to-READY s, its memory MB)."""
    tenant_ids = make_shops(sandbox, f"solo{uuid.uuid4().hex[:4]}", 1, 1)
    ready, _pass = start_and_wait(backend, tenant_ids, timeout)
    memory = containers_mb(backend, backend.list().values())
    finish_size(backend)
    return ready[tenant_ids[0]], memory


def finish_size(backend) -> None:
    from runtime.models import BotRuntime

    remove_all(backend)
    if backend.list():
        raise RuntimeError("containers left behind after removal")
    BotRuntime.objects.unscoped().all().delete()  # the next size's passes see only its shops


def one_size(backend, sandbox, shops: int, bots: int, timeout: float) -> dict[str, float]:
    tag = uuid.uuid4().hex[:6]
    tenant_ids = make_shops(sandbox, tag, shops, bots)
    host_before = host_used_mb()
    try:
        ready, pass_s = start_and_wait(backend, tenant_ids, timeout)
        instances = list(backend.list().values())
        figures = {"all_ready_s": max(ready.values()), "p50_ready_s":
                   statistics.median(ready.values()), "start_pass_s": pass_s,
                   "containers_mb": containers_mb(backend, instances),
                   "host_mb": host_used_mb() - host_before}
        figures["pass_ms"], figures["list_ms"], figures["calls"] = noop_passes(backend,
                                                                                tenant_ids)
    finally:
        finish_size(backend)
    return figures


# --- the run ----------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bots", type=int, default=100)
    parser.add_argument("--shops", default="100,500", help="comma-separated shop counts")
    parser.add_argument("--smoke", action="store_true", help="2 bots in 6 shops (CI)")
    args = parser.parse_args()
    if args.smoke:  # the checks only: one size, no solo baseline (no timing is claimed)
        args.bots, args.shops = 2, "6"
    sizes = [int(s) for s in args.shops.split(",")]
    timeout = 60 if args.smoke else 300

    run = uuid.uuid4().hex[:8]
    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vitrine")
    db_name = f"vitrine_bench_density_{run}"
    os.environ["DATABASE_URL"] = bench_database(server_url, db_name)
    port = free_port()
    sandbox_proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox.discord", "--port", str(port)], cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    backend = None
    try:
        wait_http(f"http://127.0.0.1:{port}/_sandbox/state", timeout=60)
        import django

        django.setup()
        from django.conf import settings
        from django.test.utils import override_settings

        from runtime.backends import make_backend
        from sandbox.discord.testing import DiscordSandbox

        sandbox = DiscordSandbox(port=port)  # its control API only: the server is the process
        namespace = f"vdensity{run}"  # every container and secret of this run, and only those
        with override_settings(
                RUNTIME_BACKEND="docker", RUNTIME_NAMESPACE=namespace,
                VAR_DIR=Path(tempfile.mkdtemp(prefix="vdensity-")),
                RUNTIME_BOT_IMAGE=os.environ.get("BENCH_BOT_IMAGE", settings.RUNTIME_BOT_IMAGE),
                DISCORD_API_BASE_URL=f"{sandbox.url}/api",
                RUNTIME_PLATFORM_URL="http://127.0.0.1:9", RUNTIME_BOT_NETWORK="host"):
            backend = make_backend("docker", ns=namespace)
            call_times = time_engine_calls(backend) if os.environ.get("BENCH_CALL_TIMES") \
                else None
            solo_ready, solo_mb = (None, None) if args.smoke else solo(backend, sandbox,
                                                                        timeout)
            for shops in sizes:
                got = one_size(backend, sandbox, shops, min(args.bots, shops), timeout)
                bots = min(args.bots, shops)
                name = f"density_{bots}_of_{shops}"
                emit(f"{name}_all_ready", got["all_ready_s"], "s", solo_ready)
                emit(f"{name}_p50_ready", got["p50_ready_s"], "s", solo_ready)
                emit(f"{name}_start_pass", got["start_pass_s"], "s")
                linear = solo_mb * bots if solo_mb else None  # one bot's memory, times N
                emit(f"{name}_containers_memory", got["containers_mb"], "MB", linear)
                emit(f"{name}_host_memory", got["host_mb"], "MB", linear)
                emit(f"{name}_noop_pass", got["pass_ms"], "ms", got["list_ms"])
                emit(f"{name}_noop_engine_calls", got["calls"], "calls/pass", 1)
                if call_times is not None:
                    print_call_times(call_times)
    finally:
        if backend is not None:
            try:
                remove_all(backend)
            except Exception as exc:
                print(f"cleanup: {type(exc).__name__}: {exc}", file=sys.stderr)
        sandbox_proc.terminate()
        sandbox_proc.wait(timeout=10)
        from django.db import connections

        connections.close_all()
        parts = urlsplit(server_url)
        import psycopg

        with psycopg.connect(urlunsplit(parts._replace(path="/postgres")),
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
