"""Fixtures for the runtime: backends (process always; docker and swarm when an engine is
there, and always when REQUIRE_DOCKER=1), the Discord sandbox, and bounded waits.

Every bot a test starts carries a namespace label unique to the test session; the finalizers
remove everything with that label, even when the test failed, and touch nothing else.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import threading
import uuid
from collections.abc import Callable, Iterator

import pytest
from django.test import override_settings

from runtime.backends import make_backend, reset_backend_cache
from runtime.backends.base import BotSpec
from sandbox.discord.testing import DiscordSandbox

NAMESPACE = f"vtest{uuid.uuid4().hex[:8]}"
REQUIRE_DOCKER = os.environ.get("REQUIRE_DOCKER") == "1"
MEMBERS_INTENT = 1 << 1

# The bot networks of this test session, on subnets the harness owns (10.213.N.0/24, N from the
# session): docker bots on one bridge, swarm bots on another. Nothing else is ever addressed.
_OCTET = 64 + int(NAMESPACE[-6:], 16) % 90 * 2
BOT_SUBNETS = {"docker": f"10.213.{_OCTET}.0/24", "swarm": f"10.213.{_OCTET + 1}.0/24"}
BOT_NETWORKS = {kind: f"{NAMESPACE}-{kind}-bots" for kind in BOT_SUBNETS}


def bot_network_settings(kind: str) -> dict[str, str]:
    return {"RUNTIME_NAMESPACE": NAMESPACE, "RUNTIME_BOT_NETWORK": BOT_NETWORKS[kind],
            "RUNTIME_BOT_SUBNET": BOT_SUBNETS[kind]}


def bot_gateway(kind: str = "docker") -> str:
    return str(ipaddress.ip_network(BOT_SUBNETS[kind])[1])


def wait_for(predicate: Callable[[], object], *, timeout: float = 30.0,
             interval: float = 0.2, what: str = "condition") -> object:
    """Poll `predicate` until it returns something truthy; bounded, no bare sleeps."""
    ticker = threading.Event()
    remaining = timeout
    while True:
        value = predicate()
        if value:
            return value
        if remaining <= 0:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        ticker.wait(interval)
        remaining -= interval


def docker_available() -> str | None:
    """None when a Docker engine answers and the bot image exists, else why not."""
    try:
        import docker
        from django.conf import settings

        client = docker.APIClient(base_url=settings.DOCKER_HOST, timeout=5, version="1.41")
        client.ping()
        client.inspect_image(os.environ.get("RUNTIME_BOT_IMAGE", "vitrine-bot:latest"))
    except Exception as exc:  # any failure means: no usable engine here
        return f"{type(exc).__name__}: {exc}"
    return None


def swarm_available() -> str | None:
    reason = docker_available()
    if reason:
        return reason
    import docker
    from django.conf import settings

    info = docker.APIClient(base_url=settings.DOCKER_HOST, timeout=5, version="1.41").info()
    if (info.get("Swarm") or {}).get("LocalNodeState") != "active":
        return "this engine is not a swarm manager (docker swarm init --advertise-addr 127.0.0.1)"
    return None


def require_engine(kind: str) -> None:
    reason = swarm_available() if kind == "swarm" else docker_available()
    if reason is None:
        return
    if REQUIRE_DOCKER:
        pytest.fail(f"REQUIRE_DOCKER=1 but no usable {kind} engine: {reason}")
    pytest.skip(f"no {kind} engine: {reason}")


@pytest.fixture(autouse=True)
def _runtime_settings(settings, tmp_path) -> Iterator[None]:
    settings.RUNTIME_NAMESPACE = NAMESPACE
    settings.RUNTIME_BACKEND = "process"
    # Bots on the host's network unless a test says otherwise: the engine suites heartbeat to
    # live_server on 127.0.0.1. The contract suite (backend_kind) and test_network_isolation.py
    # run docker and swarm bots on the isolated bot networks.
    settings.RUNTIME_BOT_NETWORK = "host"
    settings.VAR_DIR = tmp_path
    reset_backend_cache()
    yield
    reset_backend_cache()


@pytest.fixture(scope="session")
def bot_network() -> Iterator[str | None]:
    """The docker bot network's gateway (where the sandbox listens, so bots on the isolated
    networks reach it, and host processes too), or None without an engine."""
    if docker_available() is not None:
        yield None
        return
    with override_settings(**bot_network_settings("docker")):
        make_backend("docker", ns=NAMESPACE).ensure_network()
    try:
        yield bot_gateway("docker")
    finally:
        for kind in BOT_SUBNETS:
            with override_settings(**bot_network_settings(kind)), \
                    contextlib.suppress(Exception):
                backend = make_backend(kind, ns=NAMESPACE)
                try:
                    backend.remove_all()
                finally:
                    backend.remove_network()


@pytest.fixture(scope="session")
def sandbox(bot_network: str | None) -> Iterator[DiscordSandbox]:
    with DiscordSandbox(host=bot_network or "127.0.0.1") as sb:
        yield sb


@pytest.fixture
def bot_app(sandbox: DiscordSandbox) -> dict:
    """A sandbox Discord application with the Server Members intent, in a guild."""
    app = sandbox.create_application(f"Bot {uuid.uuid4().hex[:6]}", intents=MEMBERS_INTENT)
    sandbox.create_guild(f"Guild {app['id']}", [app["id"]])
    return app


@pytest.fixture
def point_settings_at_sandbox(settings, sandbox: DiscordSandbox) -> None:
    settings.DISCORD_API_BASE_URL = f"{sandbox.url}/api"


def make_spec(sandbox: DiscordSandbox, *, tenant_id: int, token: str, image: str = "",
              memory_mb: int = 128, extra_env: dict | None = None) -> BotSpec:
    env = {"DISCORD_TOKEN": token, "DISCORD_API_URL": sandbox.api_base,
           "DISCORD_GATEWAY_URL": sandbox.gateway_url, "PLATFORM_URL": "",
           "INSTANCE_TOKEN": "", **(extra_env or {})}
    return BotSpec(namespace=NAMESPACE, tenant_id=tenant_id,
                   image=image or os.environ.get("RUNTIME_BOT_IMAGE", "vitrine-bot:latest"),
                   env=env, memory_mb=memory_mb, cpu_millis=500, pids_limit=128)


def _cleanup(kind: str) -> None:
    # The engine may be the thing under test: never mask the test's own error.
    with contextlib.suppress(Exception):
        make_backend(kind, ns=NAMESPACE).remove_all()


@pytest.fixture(params=["process", "docker", "swarm"])
def backend_kind(request, settings, tmp_path) -> Iterator[str]:
    kind = request.param
    if kind != "process":
        require_engine(kind)
        # The contract holds on the production network: the isolated bot network.
        for key, value in bot_network_settings(kind).items():
            setattr(settings, key, value)
    settings.RUNTIME_BACKEND = kind
    reset_backend_cache()
    yield kind
    _cleanup(kind)


@pytest.fixture
def backend(backend_kind: str):
    return make_backend(backend_kind, ns=NAMESPACE)


@pytest.fixture
def docker_backend(settings) -> Iterator:
    require_engine("docker")
    settings.RUNTIME_BACKEND = "docker"
    reset_backend_cache()
    yield make_backend("docker", ns=NAMESPACE)
    _cleanup("docker")


@pytest.fixture(autouse=True)
def enqueued(monkeypatch) -> list[tuple[str, int]]:
    """Controller tasks the services enqueued (tests run the controller themselves)."""
    calls: list[tuple[str, int]] = []
    monkeypatch.setattr("runtime.services._enqueue",
                        lambda name, tenant_id: calls.append((name, tenant_id)))
    return calls


@pytest.fixture(autouse=True)
def _english(settings) -> None:
    # These tests assert on English messages; pt-BR stays the product's default elsewhere.
    settings.LANGUAGE_CODE = "en"
