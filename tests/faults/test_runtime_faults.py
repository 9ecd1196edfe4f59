"""Runtime faults on a private Docker engine: the engine down for a minute, a bot OOM-killed.

The engine is a `dockerd` of this module's own (own data root, exec root, socket; no bridge,
no iptables), holding the bot image loaded with `docker save | docker load`; the machine's
dockerd is never stopped. The controller runs here, pass after pass, as the runtime queue's
worker does on beat's schedule; bots connect to the in-process Discord sandbox and heartbeat
to a live server. Sales flow through the outage (fulfillment never needs the bot) and are
audited like the matrix's: orders lost 0, deliveries doubled 0, credits doubled 0.

The engine outage lasts FAULT_WINDOW_SECONDS (default 60, the issue's minute).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from runtime import controller, services
from runtime.backends import make_backend, reset_backend_cache
from runtime.models import BotRuntime, Desired, Observed
from tests.faults.conftest import record_fault
from tests.runtime.conftest import NAMESPACE, wait_for

pytestmark = [pytest.mark.django_db(transaction=True)]
WINDOW = float(os.environ.get("FAULT_WINDOW_SECONDS", 60))
IMAGE = os.environ.get("RUNTIME_BOT_IMAGE", "vitrine-bot:latest")
# Sales made during the outage, at most: the world holds 200 keys, and an idle machine sold
# them all within the minute (then out_of_stock); reconcile passes go on to the window's end.
DURING_CAP = 150


class PrivateDockerd:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="vtf-dockerd-", dir="/tmp"))
        self.sock = self.root / "docker.sock"
        self.url = f"unix://{self.sock}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        if shutil.which("dockerd") is None:
            pytest.fail("dockerd is missing: apt-get install -y docker.io (.ci/run does)")
        log = (self.root / "dockerd.log").open("ab")
        self.proc = subprocess.Popen(
            ["dockerd", "--data-root", str(self.root / "data"), "--exec-root",
             str(self.root / "exec"), "--pidfile", str(self.root / "docker.pid"), "-H",
             self.url, "--bridge=none", "--iptables=false", "--ip6tables=false",
             "--ip-forward=false", "--ip-masq=false", "--userland-proxy=false"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(self._answers, timeout=60, interval=0.2, what="the private dockerd")

    def _answers(self) -> bool:
        return subprocess.run(["docker", "-H", self.url, "version"], capture_output=True,
                              check=False).returncode == 0

    def stop(self) -> None:
        """SIGTERM and wait: the engine and its containerd go away, bots with them."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(60)

    def load_image(self) -> None:
        save = subprocess.Popen(["docker", "save", IMAGE], stdout=subprocess.PIPE)
        subprocess.run(["docker", "-H", self.url, "load", "-q"], stdin=save.stdout, check=True,
                       capture_output=True)
        assert save.wait() == 0, f"docker save {IMAGE} failed (build it: deploy/build_bot_image.sh)"

    def cleanup(self) -> None:
        self.stop()
        # containerd shims outlive their engine by design: any still naming our root go too.
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and int(entry.name) != os.getpid():
                try:
                    if str(self.root).encode() in (entry / "cmdline").read_bytes():
                        os.kill(int(entry.name), 9)
                except OSError:
                    continue
        # dockerd leaves its own mounts behind (the data root, a netns, overlays): deepest
        # first, then the directory can go.
        mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()
                  if line.split()[1].startswith(str(self.root))]
        for mount in sorted(mounts, key=len, reverse=True):
            subprocess.run(["umount", "-l", mount], check=False, capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def engine() -> Iterator[PrivateDockerd]:
    dockerd = PrivateDockerd()
    try:
        dockerd.start()
        dockerd.load_image()
        yield dockerd
    finally:
        dockerd.cleanup()


@pytest.fixture
def platform(settings, live_server, engine, world):
    settings.RUNTIME_NAMESPACE = NAMESPACE
    settings.RUNTIME_BACKEND = "docker"
    settings.RUNTIME_BOT_NETWORK = "host"
    settings.DOCKER_HOST = engine.url
    settings.RUNTIME_PLATFORM_URL = live_server.url
    settings.RUNTIME_HEARTBEAT_SECONDS = 1
    reset_backend_cache()
    yield make_backend("docker", ns=NAMESPACE, base_url=engine.url)
    if engine.proc is not None and engine.proc.poll() is None:
        make_backend("docker", ns=NAMESPACE, base_url=engine.url).remove_all()
    reset_backend_cache()


def _runtime(tenant) -> BotRuntime:
    return BotRuntime.objects.for_tenant(tenant).get()


def _bots(backend) -> list[dict]:
    return backend.api.containers(all=False, filters=backend._filters())


def _start_bot(world) -> None:
    services.runtime_set_desired(tenant=world.tenant, state=Desired.RUNNING, reason="test")
    controller.sync_tenant(world.tenant.pk)
    wait_for(lambda: _runtime(world.tenant).observed_state == Observed.RUNNING, timeout=90,
             what="the bot's first heartbeat")


def _reconcile_until_running(world, backend, timeout: float) -> float:
    """Beat's reconcile, every half second, until the bot heartbeats again; never two bots."""
    started = time.monotonic()
    seen: list[tuple] = []

    def running() -> bool:
        controller.reconcile_all()
        assert len(_bots(backend)) <= 1, "two bots for one shop"
        runtime = _runtime(world.tenant)
        state = (runtime.observed_state, runtime.last_exit_code, runtime.restart_count,
                 runtime.consecutive_failures)
        if not seen or seen[-1][1:] != state:
            seen.append((round(time.monotonic() - started, 1), *state))
            print("runtime:", seen[-1])
        return runtime.observed_state == Observed.RUNNING

    wait_for(running, timeout=timeout, interval=0.5, what="the bot running again")
    return time.monotonic() - started


def test_docker_engine_down(platform, world, sales, engine) -> None:
    backend = platform
    _start_bot(world)
    first = _runtime(world.tenant).container_id
    before = sales.sell(3)

    engine.stop()
    down_at = time.monotonic()
    during = []
    # A minute without an engine: reconcile passes see it gone (unknown, never "stopped"),
    # sales go on being delivered by the workers.
    try:
        while time.monotonic() - down_at < WINDOW:
            controller.reconcile_all()
            assert _runtime(world.tenant).observed_state == Observed.UNKNOWN
            if len(during) < DURING_CAP:  # a quiet machine sells faster than the stock lasts
                during += sales.sell(1)
    finally:  # back even when the window failed: the module's next test needs the engine
        engine.start()
    recovery = _reconcile_until_running(world, backend, timeout=180)

    audit = sales.audit(before + during)
    runtime = _runtime(world.tenant)
    record_fault("docker_engine_down", recovery_s=recovery, window_s=WINDOW, **audit,
                 bot_starts_after=runtime.restart_count, last_exit_code=runtime.last_exit_code,
                 note="from the engine's return to the bot's next heartbeat")
    assert _runtime(world.tenant).container_id != first
    assert len(_bots(backend)) == 1
    sales.assert_clean(audit)


def test_bot_container_oom_killed(platform, world, sales, engine) -> None:
    backend = platform
    _start_bot(world)
    runtime = _runtime(world.tenant)
    container = runtime.container_id
    pid = backend.api.inspect_container(container)["State"]["Pid"]
    # The bot (PID 1) is the process the kernel picks; a hog in the same cgroup pushes the
    # container past its memory limit: a real cgroup OOM kill of the bot.
    Path(f"/proc/{pid}/oom_score_adj").write_text("1000")
    subprocess.run(["docker", "-H", engine.url, "exec", container, "python", "-c",
                    "b = bytearray(1 << 30)"], capture_output=True, check=False, timeout=60)
    killed_at = time.monotonic()
    wait_for(lambda: not backend.api.inspect_container(container)["State"]["Running"],
             timeout=60, what="the bot to be OOM-killed")
    state = backend.api.inspect_container(container)["State"]
    assert state["OOMKilled"] is True, state
    orders = sales.sell(3)
    _reconcile_until_running(world, backend, timeout=120)
    runtime = _runtime(world.tenant)
    assert runtime.oom_killed and runtime.restart_count >= 1
    audit = sales.audit(orders)
    record_fault("bot_container_oom_killed", recovery_s=time.monotonic() - killed_at, **audit,
                 note="from the kernel's OOM kill to the bot's next heartbeat")
    sales.assert_clean(audit)

