"""The controller against the real Docker engine and the real stand-in bot image.

Start → the bot connects to the sandbox Discord and heartbeats to the platform (a live server);
kill -9 → reconciled and restarted; crash at once → backoff, then crashlooping; bad token →
misconfigured, not restarted; a memory limit change → recreated once; a controller restart →
re-adopted, not duplicated; engine unreachable → unknown, then recovery. Plus `docker inspect`
of a tenant container, checked against every hardening rule.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from runtime import controller, services
from runtime.backends import make_backend, reset_backend_cache
from runtime.backends.base import (
    LABEL_BACKEND,
    LABEL_MANAGED,
    LABEL_NAMESPACE,
    LABEL_SPEC,
    LABEL_TENANT,
)
from runtime.models import BotRuntime, Desired, Observed
from tests.runtime.conftest import NAMESPACE, wait_for

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def platform(settings, live_server, docker_backend, point_settings_at_sandbox):
    settings.RUNTIME_PLATFORM_URL = live_server.url
    settings.RUNTIME_HEARTBEAT_SECONDS = 1
    return docker_backend


def _runtime(shop) -> BotRuntime:
    return BotRuntime.objects.for_tenant(shop.tenant).get()


def _start(shop, token: str) -> BotRuntime:
    services.runtime_set_discord_token(tenant=shop.tenant, token=token, actor=shop.owner)
    services.runtime_set_desired(tenant=shop.tenant, state=Desired.RUNNING, reason="test",
                                 actor=shop.owner)
    return controller.sync_tenant(shop.tenant.pk)


def _exited(backend, tenant_id: int):
    return wait_for(lambda: (i := backend.list().get(tenant_id)) and not i.running and i,
                    timeout=60, what="the container to exit")


def _containers(backend) -> list[dict]:
    return backend.api.containers(all=True, filters=backend._filters())


def test_lifecycle_on_the_real_engine(platform, shop, bot_app, sandbox) -> None:
    backend = platform
    runtime = _start(shop, bot_app["token"])
    assert runtime.observed_state == Observed.STARTING
    wait_for(lambda: _runtime(shop).observed_state == Observed.RUNNING, timeout=60,
             what="the first heartbeat")
    runtime = _runtime(shop)
    assert runtime.gateway_latency_ms is not None and runtime.bot_version
    assert any(s["app_id"] == bot_app["id"] and s["connected"]
               for s in sandbox.overview()["sessions"])
    first = runtime.container_id

    # Controller restart: a new process, a new client, nothing in memory → adopted as is.
    reset_backend_cache()
    result = controller.reconcile_all(backend=make_backend("docker", ns=NAMESPACE))
    assert result.synced == 0 and result.engine_calls == 1
    assert [c["Id"] for c in _containers(backend)] == [first]

    # kill -9 → the exit is recorded, then restarted after the backoff.
    backend.api.kill(first, signal="SIGKILL")
    _exited(backend, shop.tenant.pk)
    controller.reconcile_all()
    runtime = _runtime(shop)
    assert runtime.observed_state == Observed.EXITED and runtime.last_exit_code == 137
    with time_machine.travel(runtime.next_start_at + timedelta(seconds=1)):
        controller.reconcile_all()
    runtime = _runtime(shop)
    assert runtime.container_id != first and runtime.restart_count == 1
    assert len(_containers(backend)) == 1

    # A new memory limit → recreated exactly once.
    services.runtime_set_limits(tenant=shop.tenant, memory_mb=160, cpu_millis=500,
                                pids_limit=128, actor=shop.owner)
    controller.reconcile_all()
    controller.reconcile_all()
    containers = _containers(backend)
    assert len(containers) == 1 and containers[0]["Id"] != runtime.container_id
    assert backend.api.inspect_container(containers[0]["Id"])["HostConfig"]["Memory"] == \
        160 * 1024 * 1024

    # Engine unreachable → unknown (never "stopped"), then recovery by itself.
    unreachable = make_backend("docker", ns=NAMESPACE, base_url="unix:///nonexistent.sock",
                               timeout=2)
    controller.reconcile_all(backend=unreachable)
    assert _runtime(shop).observed_state == Observed.UNKNOWN
    wait_for(lambda: controller.reconcile_all().engine_ok
             and _runtime(shop).observed_state == Observed.RUNNING, timeout=30,
             what="recovery after the engine returns")
    assert len(_containers(backend)) == 1

    services.runtime_set_desired(tenant=shop.tenant, state=Desired.STOPPED, reason="done")
    controller.sync_tenant(shop.tenant.pk)
    assert _containers(backend) == [] and _runtime(shop).observed_state == Observed.STOPPED


def test_crash_at_once_backs_off_then_crashloops(platform, shop, settings) -> None:
    settings.DISCORD_API_BASE_URL = "http://127.0.0.1:9/api"  # nothing listens: exit 1 at once
    settings.RUNTIME_CRASHLOOP_AFTER = 2
    _start(shop, "MTIzNDU2Nzg5MDEyMzQ1Njc4.crash.token-value")
    backend = platform
    now = timezone.now()
    with time_machine.travel(now, tick=False) as clock:
        _exited(backend, shop.tenant.pk)
        controller.reconcile_all()
        runtime = _runtime(shop)
        assert runtime.observed_state == Observed.EXITED and runtime.last_exit_code == 1
        assert runtime.next_start_at == now + timedelta(seconds=10)
        controller.reconcile_all()  # inside the backoff: not restarted
        assert _runtime(shop).container_id == runtime.container_id
        clock.move_to(runtime.next_start_at + timedelta(seconds=1))
        controller.reconcile_all()
        assert _runtime(shop).container_id != runtime.container_id
        _exited(backend, shop.tenant.pk)
        controller.reconcile_all()
    runtime = _runtime(shop)
    assert runtime.observed_state == Observed.CRASHLOOPING
    controller.reconcile_all()
    assert _runtime(shop).container_id == runtime.container_id  # left alone


def test_bad_token_is_misconfigured_and_not_restarted(platform, shop) -> None:
    _start(shop, "MTIzNDU2Nzg5MDEyMzQ1Njc4.wrong.token-value")
    _exited(platform, shop.tenant.pk)
    controller.reconcile_all()
    runtime = _runtime(shop)
    assert runtime.observed_state == Observed.MISCONFIGURED and runtime.last_exit_code == 78
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        controller.reconcile_all()
    assert _runtime(shop).container_id == runtime.container_id
    assert "Discord" in runtime.reason


def test_every_container_is_hardened(platform, shop, bot_app) -> None:
    runtime = _start(shop, bot_app["token"])
    data = platform.api.inspect_container(runtime.container_id)  # = `docker inspect`
    config, host = data["Config"], data["HostConfig"]
    assert config["User"] == "10001:10001"
    assert host["ReadonlyRootfs"] is True
    assert set(host["Tmpfs"]) == {"/tmp"} and "size=16m" in host["Tmpfs"]["/tmp"]
    assert host["CapDrop"] == ["ALL"] and not host.get("CapAdd")
    assert "no-new-privileges:true" in host["SecurityOpt"]
    assert host["Init"] is True and host["Privileged"] is False
    assert host["Memory"] == host["MemorySwap"] == runtime.memory_mb * 1024 * 1024
    assert host["NanoCpus"] == runtime.cpu_millis * 1_000_000
    assert host["PidsLimit"] == runtime.pids_limit
    assert host["LogConfig"] == {"Type": "json-file",
                                 "Config": {"max-file": "3", "max-size": "1m"}}
    assert host["RestartPolicy"]["Name"] == "no"
    assert host["NetworkMode"] == "host"  # explicit in tests; production: the bot network
    # No Docker socket, no volumes: only the bot's own secrets directory, read-only.
    assert [(m["Type"], m["Destination"], m["RW"]) for m in data["Mounts"]] == [
        ("bind", "/run/secrets", False)]
    labels = config["Labels"]
    assert labels[LABEL_MANAGED] == "1" and labels[LABEL_TENANT] == str(shop.tenant.pk)
    assert labels[LABEL_SPEC] == runtime.spec_hash and labels[LABEL_NAMESPACE] == NAMESPACE
    assert labels[LABEL_BACKEND] == "docker"
    env = dict(item.split("=", 1) for item in config["Env"])
    ours = {"DISCORD_TOKEN_FILE", "INSTANCE_TOKEN_FILE", "PLATFORM_URL", "HEARTBEAT_SECONDS",
            "BOT_LOCALE", "DISCORD_API_URL", "DISCORD_GATEWAY_URL"}
    # The image's own (deploy/bot.Dockerfile): -OO bytecode and two malloc arenas (issue 25).
    image_env = {"PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PYTHONOPTIMIZE",
                 "MALLOC_ARENA_MAX"}
    assert set(env) <= ours | image_env
    assert env["DISCORD_TOKEN_FILE"] == "/run/secrets/discord_token"
    assert runtime.instance_token and "INSTANCE_TOKEN_FILE" in env
    assert bot_app["token"] not in str(data) and runtime.instance_token not in str(data)
    top = platform.api.top(runtime.container_id, ps_args="-o pid,uid,comm")
    uid = top["Titles"].index("UID")
    assert top["Processes"] and all(proc[uid] == "10001" for proc in top["Processes"])


def test_unlabelled_containers_are_never_touched(platform, shop, bot_app) -> None:
    api = platform.api
    plain = api.create_container("vitrine-bot:latest", command=["true"],
                                 labels={"owner": "someone-else"},
                                 host_config=api.create_host_config(network_mode="none"))
    try:
        _start(shop, bot_app["token"])
        services.runtime_set_desired(tenant=shop.tenant, state=Desired.STOPPED, reason="t")
        controller.reconcile_all()
        platform.remove_all()
        assert api.inspect_container(plain["Id"])["Config"]["Labels"] == {"owner":
                                                                          "someone-else"}
    finally:
        api.remove_container(plain["Id"], force=True)


def test_snapshot_from_the_real_engine_shown_by_a_web_without_one(
        platform, shop, bot_app, client_for, settings) -> None:
    """The controller (with the socket) records; a web with no reachable engine shows it."""
    from django.urls import reverse

    from runtime.models import BotSnapshot

    _start(shop, bot_app["token"])
    wait_for(lambda: _runtime(shop).observed_state == Observed.RUNNING, timeout=60,
             what="the first heartbeat")
    wait_for(lambda: "READY" in platform.logs(platform.list()[shop.tenant.pk]), timeout=30,
             what="the bot's READY line")
    result = controller.run_pass(backend=platform)
    assert result.snapshots >= 1
    snap = BotSnapshot.objects.for_tenant(shop.tenant).get()
    assert snap.running and snap.memory_bytes and snap.memory_limit_bytes == 128 * 1024 * 1024
    assert "READY" in snap.log_tail and bot_app["token"] not in snap.log_tail

    engine_host = settings.DOCKER_HOST
    settings.DOCKER_HOST = "unix:///nonexistent.sock"  # the web's view: no socket at all
    reset_backend_cache()
    try:
        client = client_for(shop.owner)
        client.cookies["vitrine_language"] = "en"
        page = client.get(reverse("portal:bot", args=[shop.tenant.slug])).content.decode()
    finally:
        settings.DOCKER_HOST = engine_host  # the teardown removes the bot through the engine
        reset_backend_cache()
    assert "READY" in page and f"{round(snap.memory_bytes / 1048576, 1)} MB" in page
