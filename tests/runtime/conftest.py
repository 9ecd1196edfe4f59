"""Fixtures for the runtime: backends (process always; docker and swarm when an engine is
there, and always when REQUIRE_DOCKER=1), the Discord sandbox, and bounded waits.

Every bot a test starts carries a namespace label unique to the test session; the finalizers
remove everything with that label, even when the test failed, and touch nothing else.
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Callable, Iterator

import pytest

from runtime.backends import make_backend, reset_backend_cache
from runtime.backends.base import BotSpec
from sandbox.discord.testing import DiscordSandbox

NAMESPACE = f"vtest{uuid.uuid4().hex[:8]}"
REQUIRE_DOCKER = os.environ.get("REQUIRE_DOCKER") == "1"
MEMBERS_INTENT = 1 << 1


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
    # The contract and engine suites run bots on the host's network (they reach the sandbox
    # on 127.0.0.1); test_network_isolation.py runs them on the isolated bot network.
    settings.RUNTIME_BOT_NETWORK = "host"
    settings.VAR_DIR = tmp_path
    reset_backend_cache()
    yield
    reset_backend_cache()


@pytest.fixture(scope="session")
def sandbox() -> Iterator[DiscordSandbox]:
    with DiscordSandbox() as sb:
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
