"""Bots on the isolated bot network (docker and swarm), proved from inside a running bot.

The harness owns two small subnets (10.213.N.0/24, 10.213.N+1.0/24, N derived from the test
session) and sends traffic to nothing else: the docker backend's bot network is created first
and the Discord sandbox and a live Bot API server listen on ITS gateway address; docker bots
sit on that bridge, swarm bots on their own swarm-scoped bridge and reach the same host address
through their gateway. From inside a bot (`docker exec` of a TCP connect with a 2 s timeout):
PostgreSQL, Redis, the Docker API and another bot are unreachable; Discord and the Bot API
are reached (the bot connects to the gateway and heartbeats). `docker inspect` holds no token;
rotating a token recreates the bot with the new secret. Egress: a network namespace standing in
for the Internet (10.213.N+2.2) answers on two ports; with deploy/bot_firewall.sh applied only
the allowed one (and Discord, the Bot API) stays reachable from a bot, and a host service
listening on the bridge's address is dropped too. Every path tried, with its result, goes to
var/test-artifacts/bot-network.txt.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from pytest_django.live_server_helper import LiveServer

from runtime import checks, controller, services
from runtime.backends import make_backend, reset_backend_cache
from runtime.models import BotRuntime, Desired
from sandbox.discord.testing import DiscordSandbox
from tests.runtime.conftest import (
    BOT_NETWORKS,
    BOT_SUBNETS,
    MEMBERS_INTENT,
    NAMESPACE,
    bot_network_settings,
    make_spec,
    require_engine,
    wait_for,
)

pytestmark = [pytest.mark.django_db(transaction=True)]

_OCTET = int(BOT_SUBNETS["docker"].split(".")[2])
SUBNETS, NETWORKS = BOT_SUBNETS, BOT_NETWORKS
LISTENER_PORT = 8099
# "Outside": a network namespace the harness creates, on a /30 of its own.
OUTSIDE_NS = f"vt{NAMESPACE[-6:]}"
OUTSIDE_HOST, OUTSIDE = f"10.213.{_OCTET + 2}.1", f"10.213.{_OCTET + 2}.2"
OUTSIDE_ALLOWED, OUTSIDE_DENIED = 8443, 5432  # "Discord" and "PostgreSQL on another host"
FIREWALL = Path(__file__).resolve().parents[2] / "deploy" / "bot_firewall.sh"

PROBE = """
import socket, sys
s = socket.socket()
s.settimeout(2)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    print("open")
except OSError as exc:
    print("closed", type(exc).__name__)
"""
LISTEN = f"""
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", {LISTENER_PORT}))
s.listen(8)
while True:
    s.accept()[0].close()
"""


@pytest.fixture(scope="module")
def harness(bot_network, sandbox, django_db_blocker) -> Iterator[dict]:
    """The Discord sandbox and a live Bot API, both on the docker bot network's gateway."""
    if bot_network is None:
        require_engine("docker")  # fails with REQUIRE_DOCKER=1, else skips, saying why
    with django_db_blocker.unblock():
        server = LiveServer(f"{bot_network}:0")
    try:
        yield {"sandbox": sandbox, "api_url": server.url, "gateway": bot_network}
    finally:
        with django_db_blocker.unblock():
            server.stop()


@pytest.fixture(params=["docker", "swarm"])
def isolated(request, settings, harness) -> Iterator:
    kind = request.param
    require_engine(kind)
    for key, value in bot_network_settings(kind).items():
        setattr(settings, key, value)
    settings.RUNTIME_BACKEND = kind
    settings.RUNTIME_PLATFORM_URL = harness["api_url"]
    settings.RUNTIME_HEARTBEAT_SECONDS = 1
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, harness["gateway"]]
    settings.DISCORD_API_BASE_URL = f"{harness['sandbox'].url}/api"
    reset_backend_cache()
    backend = make_backend(kind, ns=NAMESPACE)
    yield backend
    backend.remove_all()


def _app(sandbox: DiscordSandbox, name: str) -> dict:
    app = sandbox.create_application(name, intents=MEMBERS_INTENT)
    sandbox.create_guild(f"Guild {app['id']}", [app["id"]])
    return app


def _container(backend, ref: str) -> str:
    """The running container of a bot (swarm: of its service's running task)."""
    if backend.name == "docker":
        return ref

    def running() -> str | None:
        for task in backend.api.tasks(filters={"service": ref, "desired-state": "running"}):
            status = task.get("Status", {})
            if status.get("State") == "running":
                return (status.get("ContainerStatus") or {}).get("ContainerID")
        return None
    return wait_for(running, timeout=60, what="the service's running container")


def _exec(backend, container: str, *argv: str, detach: bool = False) -> str:
    run = backend.api.exec_create(container, list(argv))
    out = backend.api.exec_start(run["Id"], detach=detach)
    return "" if detach else out.decode().strip()


def _probe(backend, container: str, host: str, port: int, *, full: bool = False) -> str:
    out = _exec(backend, container, "python", "-c", PROBE, host, str(port))
    return out if full else out.split()[0]


def _host_probe(host: str, port: int) -> str:
    with socket.socket() as sock:
        sock.settimeout(2)
        try:
            sock.connect((host, port))
        except OSError:
            return "closed"
        return "open"


def _ip(backend, container: str) -> str:
    networks = backend.api.inspect_container(container)["NetworkSettings"]["Networks"]
    return networks[NETWORKS[backend.name]]["IPAddress"]


def _runtime(shop) -> BotRuntime:
    return BotRuntime.objects.for_tenant(shop.tenant).get()


def test_a_bot_reaches_discord_and_the_bot_api_and_nothing_else(isolated, harness, shop,
                                                                 report) -> None:
    backend, sandbox, gateway = isolated, harness["sandbox"], harness["gateway"]
    app = _app(sandbox, f"Iso {backend.name}")
    services.runtime_set_discord_token(tenant=shop.tenant, token=app["token"], actor=shop.owner)
    services.runtime_set_desired(tenant=shop.tenant, state=Desired.RUNNING, reason="test",
                                 actor=shop.owner)
    runtime = controller.sync_tenant(shop.tenant.pk)
    # Another shop's bot on the same network, with something listening in it.
    other = backend.start(make_spec(sandbox, tenant_id=shop.tenant.pk + 1000,
                                    token=_app(sandbox, "Other")["token"]))
    mine, theirs = _container(backend, runtime.container_id), _container(backend, other.ref)

    # Discord (the sandbox) and the Bot API, as the bot itself uses them.
    wait_for(lambda: any(s["app_id"] == str(app["id"]) and s["connected"]
                         for s in sandbox.overview()["sessions"]),
             timeout=60, what="the bot's gateway session")
    wait_for(lambda: _runtime(shop).last_heartbeat_at is not None, timeout=60,
             what="a heartbeat through the Bot API")
    api_port = urlsplit(harness["api_url"]).port
    db = django_settings.DATABASES["default"]
    db_host, db_port = db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432)
    redis = urlsplit(django_settings.REDIS_URL or "redis://127.0.0.1:6379/0")
    redis_host, redis_port = redis.hostname or "127.0.0.1", redis.port or 6379
    # The targets are real: from the host, PostgreSQL and Redis answer.
    assert _host_probe(db_host, db_port) == "open"
    assert _host_probe(redis_host, redis_port) == "open"

    _exec(backend, theirs, "python", "-c", LISTEN, detach=True)
    their_ip = _ip(backend, theirs)
    wait_for(lambda: _probe(backend, theirs, their_ip, LISTENER_PORT) == "open", timeout=20,
             what="the other bot's listener")

    paths = {
        ("Discord sandbox", gateway, sandbox.port): "open",
        ("Bot API", gateway, api_port): "open",
        ("PostgreSQL (host's address)", db_host, db_port): "closed",
        ("PostgreSQL (via gateway)", gateway, db_port): "closed",
        ("Redis (host's address)", redis_host, redis_port): "closed",
        ("Redis (via gateway)", gateway, redis_port): "closed",
        ("Docker API tcp", gateway, 2375): "closed",
        ("Docker API tls", gateway, 2376): "closed",
        ("another bot", their_ip, LISTENER_PORT): "closed",
    }
    seen = {path: _probe(backend, mine, path[1], path[2], full=True) for path in paths}
    for path, result in seen.items():
        report(f"{backend.name}: {path[0]} {path[1]}:{path[2]} -> {result}")
    assert {path: result.split()[0] for path, result in seen.items()} == paths
    socket_there = _exec(backend, mine, "python", "-c",
                         "import os; print(os.path.exists('/var/run/docker.sock'))")
    assert socket_there == "False"


def test_no_token_in_inspect_and_rotation_recreates(isolated, harness, shop) -> None:
    backend, sandbox = isolated, harness["sandbox"]
    first_app, second_app = _app(sandbox, "Rotate 1"), _app(sandbox, "Rotate 2")
    services.runtime_set_discord_token(tenant=shop.tenant, token=first_app["token"],
                                       actor=shop.owner)
    services.runtime_set_desired(tenant=shop.tenant, state=Desired.RUNNING, reason="test",
                                 actor=shop.owner)
    runtime = controller.sync_tenant(shop.tenant.pk)
    container = _container(backend, runtime.container_id)
    inspected = str(backend.api.inspect_container(container))
    if backend.name == "swarm":
        inspected += str(backend.api.inspect_service(runtime.container_id))
        inspected += str(backend.api.secrets(filters=backend._filters()))
    assert runtime.instance_token
    assert first_app["token"] not in inspected and runtime.instance_token not in inspected
    assert "/run/secrets/discord_token" in inspected

    digest = "import hashlib; print(hashlib.sha256(open('{}').read().encode()).hexdigest())"

    def secret_digest(name: str, of: str) -> str:
        return _exec(backend, of, "python", "-c", digest.format(f"/run/secrets/{name}"))
    assert secret_digest("discord_token", container) == \
        hashlib.sha256(first_app["token"].encode()).hexdigest()
    assert secret_digest("instance_token", container) == \
        hashlib.sha256(runtime.instance_token.encode()).hexdigest()
    mode = _exec(backend, container, "python", "-c",
                 "import os; s = os.stat('/run/secrets/discord_token'); "
                 "print(oct(s.st_mode & 0o777), s.st_uid)")
    assert mode == "0o400 10001"

    services.runtime_set_discord_token(tenant=shop.tenant, token=second_app["token"],
                                       actor=shop.owner)
    rotated = controller.sync_tenant(shop.tenant.pk)
    assert rotated.container_id != runtime.container_id
    fresh = _container(backend, rotated.container_id)
    assert secret_digest("discord_token", fresh) == \
        hashlib.sha256(second_app["token"].encode()).hexdigest()
    wait_for(lambda: any(s["app_id"] == str(second_app["id"]) and s["connected"]
                         for s in sandbox.overview()["sessions"]),
             timeout=60, what="the rotated bot's gateway session")


def test_the_bot_network_isolates_its_containers(isolated) -> None:
    backend = isolated
    backend.ensure_network()
    # (a fresh swarm network may list its driver as "" for a moment)
    network = wait_for(lambda: (n := backend.api.inspect_network(NETWORKS[backend.name]))
                       .get("Driver") == "bridge" and n, timeout=10, what="the driver")
    if backend.name == "swarm":  # a swarm-scoped bridge; its options live in a config network
        assert network["Scope"] == "swarm"
        network = backend.api.inspect_network(network["ConfigFrom"]["Network"])
    assert network["Options"]["com.docker.network.bridge.enable_icc"] == "false"
    assert network["IPAM"]["Config"][0]["Subnet"] == SUBNETS[backend.name]


def _ip_cmd(*argv: str) -> None:
    subprocess.run(["ip", *argv], check=True, timeout=10, capture_output=True)


@pytest.fixture(scope="module")
def outside(harness) -> Iterator[str]:
    """A namespace standing in for the Internet: 10.213.N+2.2 listens on two ports."""
    host_if, ns_if = f"{OUTSIDE_NS}h", f"{OUTSIDE_NS}n"
    _ip_cmd("netns", "add", OUTSIDE_NS)
    listener = None
    try:
        _ip_cmd("link", "add", host_if, "type", "veth", "peer", "name", ns_if)
        _ip_cmd("link", "set", ns_if, "netns", OUTSIDE_NS)
        _ip_cmd("addr", "add", f"{OUTSIDE_HOST}/30", "dev", host_if)
        _ip_cmd("link", "set", host_if, "up")
        for argv in (("addr", "add", f"{OUTSIDE}/30", "dev", ns_if), ("link", "set", ns_if, "up"),
                     ("link", "set", "lo", "up"), ("route", "add", "default", "via", OUTSIDE_HOST)):
            _ip_cmd("netns", "exec", OUTSIDE_NS, "ip", *argv)
        code = ("import socket, threading\n"
                "def serve(port):\n"
                "    s = socket.socket(); s.bind(('0.0.0.0', port)); s.listen(8)\n"
                "    while True: s.accept()[0].close()\n"
                f"threading.Thread(target=serve, args=({OUTSIDE_ALLOWED},)).start()\n"
                f"serve({OUTSIDE_DENIED})\n")
        listener = subprocess.Popen(["ip", "netns", "exec", OUTSIDE_NS, sys.executable, "-c",
                                     code])
        wait_for(lambda: _host_probe(OUTSIDE, OUTSIDE_ALLOWED) == "open"
                 and _host_probe(OUTSIDE, OUTSIDE_DENIED) == "open", timeout=20,
                 what="the outside listeners")
        yield OUTSIDE
    finally:
        if listener is not None:
            listener.terminate()
            listener.wait(timeout=10)
        subprocess.run(["ip", "netns", "del", OUTSIDE_NS], timeout=10, check=False)
        subprocess.run(["ip", "link", "del", host_if], timeout=10, check=False,
                       capture_output=True)


def _firewall(action: str, allow: str = "") -> None:
    env = {**os.environ, "BOT_SUBNETS": " ".join(SUBNETS.values()), "ALLOW": allow,
           "CHAIN": f"VTB-{NAMESPACE[-8:]}"}
    subprocess.run(["bash", str(FIREWALL), action], check=True, timeout=30, env=env)


def test_the_egress_allow_list_drops_everything_else(isolated, harness, outside,
                                                     report) -> None:
    """deploy/bot_firewall.sh: only the allowed destinations stay reachable from a bot."""
    backend, sandbox, gateway = isolated, harness["sandbox"], harness["gateway"]
    api_port = urlsplit(harness["api_url"]).port
    bot = backend.start(make_spec(sandbox, tenant_id=7, token=_app(sandbox, "Egress")["token"]))
    mine = _container(backend, bot.ref)
    # A host service carelessly listening on the bridge's address.
    careless = socket.socket()
    careless.bind((gateway, 0))
    careless.listen(8)
    try:
        careless_port = careless.getsockname()[1]
        paths = [("outside, allowed (Discord)", outside, OUTSIDE_ALLOWED),
                 ("outside, not allowed (a database elsewhere)", outside, OUTSIDE_DENIED),
                 ("host service on the bridge address", gateway, careless_port),
                 ("Discord sandbox", gateway, sandbox.port), ("Bot API", gateway, api_port)]
        before = {p: _probe(backend, mine, p[1], p[2], full=True) for p in paths}
        _firewall("apply", f"{gateway}:{sandbox.port} {gateway}:{api_port} "
                           f"{outside}:{OUTSIDE_ALLOWED}")
        try:
            after = {p: _probe(backend, mine, p[1], p[2], full=True) for p in paths}
        finally:
            _firewall("remove")
    finally:
        careless.close()
    for path in paths:
        report(f"{backend.name}: {path[0]} {path[1]}:{path[2]} -> without firewall "
               f"{before[path]}; with it {after[path]}")
    assert all(result.startswith("open") for result in before.values()), before
    assert [after[p].split()[0] for p in paths] == ["open", "closed", "closed", "open", "open"]


@pytest.fixture
def report(request) -> Iterator:
    lines: list[str] = []
    yield lines.append
    path = os.path.join(django_settings.BASE_DIR, "var", "test-artifacts", "bot-network.txt")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.writelines(f"{line}\n" for line in lines)


@pytest.mark.parametrize(("debug", "backend", "network", "refused"), [
    (False, "docker", "host", True), (False, "swarm", "host", True),
    (True, "docker", "host", False), (False, "docker", "", False),
    (False, "process", "host", False), (False, "swarm", "vitrine-bots", False),
])
def test_host_networking_is_refused_outside_debug(settings, debug, backend, network,
                                                  refused) -> None:
    settings.DEBUG, settings.RUNTIME_BACKEND, settings.RUNTIME_BOT_NETWORK = \
        debug, backend, network
    errors = checks.bot_network_check()
    assert [e.id for e in errors] == (["runtime.E001"] if refused else [])
