"""Fixtures for the cluster tests: the test network on 10.214.0.0/25 and what listens on its
root-namespace address 10.214.0.1 (the Discord sandbox, a live Bot API server, forwarders to
the shared PostgreSQL and Redis), and a timing report in var/test-artifacts/cluster.txt.

Every address used is on the harness's own subnet; bot bridges inside the hosts take the
upper half (10.214.0.128/27, .160/27, .192/27). Nothing else is ever addressed.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.conf import settings as django_settings
from pytest_django.live_server_helper import LiveServer

from sandbox.discord.testing import DiscordSandbox
from tests.cluster.hosts import TestNet
from tests.runtime.conftest import REQUIRE_DOCKER

SUBNET = "10.214.0.0/25"
PREFIX = "vtc"
NAMESPACE = f"vclu{uuid.uuid4().hex[:8]}"


def require_root_tools() -> None:
    """These tests build hosts out of namespaces: root, ip, nsenter, dockerd."""
    missing = [tool for tool in ("ip", "nsenter", "unshare", "iptables", "dockerd", "docker")
               if shutil.which(tool) is None]
    reason = "not root" if os.geteuid() != 0 else (f"missing {missing}" if missing else "")
    if not reason:
        return
    if REQUIRE_DOCKER:
        pytest.fail(f"REQUIRE_DOCKER=1 but the cluster harness cannot run: {reason}")
    pytest.skip(f"cluster harness unavailable: {reason}")


@pytest.fixture(scope="session")
def testnet() -> Iterator[TestNet]:
    require_root_tools()
    with TestNet(prefix=PREFIX, subnet=SUBNET) as net:
        yield net


@pytest.fixture(scope="session")
def cluster_sandbox(testnet: TestNet) -> Iterator[DiscordSandbox]:
    with DiscordSandbox(host=testnet.gateway) as sandbox:
        yield sandbox


@pytest.fixture(scope="session")
def cluster_api(testnet: TestNet, django_db_blocker) -> Iterator[str]:
    """A live Bot API server on the bridge's address (the hosts' bots heartbeat to it)."""
    with django_db_blocker.unblock():
        server = LiveServer(f"{testnet.gateway}:0")
    try:
        yield server.url
    finally:
        with django_db_blocker.unblock():
            server.stop()


@pytest.fixture(autouse=True)
def _cluster_settings(settings, tmp_path) -> None:
    settings.RUNTIME_NAMESPACE = NAMESPACE
    settings.VAR_DIR = tmp_path
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _no_enqueue(monkeypatch) -> None:
    # The tests run the controller themselves (the shared Redis gets no runtime task).
    monkeypatch.setattr("runtime.services._enqueue", lambda name, tenant_id: None)


@pytest.fixture(scope="session")
def cluster_report() -> Iterator:
    """Figures: printed, and written to var/test-artifacts/cluster.txt."""
    lines: list[str] = [f"# cluster tests {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC"]

    def add(line: str) -> None:
        print(f"cluster: {line}")
        lines.append(line)
    yield add
    path = os.path.join(django_settings.BASE_DIR, "var", "test-artifacts", "cluster.txt")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(f"{line}\n" for line in lines)
