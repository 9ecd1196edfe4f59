"""Shops' bots on a three-node Swarm (a manager and two workers, each a network namespace with
its own dockerd): placed across the nodes, moved by a drain and by a node's engine dying, never
two at once for one shop.

The controller runs here, against the manager's socket; the bots sit on each node's isolated
bot bridge (a swarm-scoped bridge from a config-only network on every node) and reach the
Discord sandbox and the Bot API on 10.214.0.1 through their node's NAT and veth. A sampler
thread counts, every 0.2 s until the test ends, each shop's running bot containers on every
live engine, its tasks the manager says are running, and its gateway sessions the sandbox
holds; none may ever exceed one. Recovery times go to var/test-artifacts/cluster.txt.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from django.conf import settings as django_settings

from runtime import controller, services
from runtime.backends import make_backend, reset_backend_cache
from runtime.backends.base import LABEL_NAMESPACE, LABEL_TENANT, split_secrets
from runtime.backends.docker import parse_time
from runtime.models import BotRuntime, Desired, Observed
from tests.cluster.conftest import NAMESPACE
from tests.cluster.hosts import Host, TestNet, form_swarm, save_image, swarm_nodes, wait_until
from tests.conftest import _shop
from tests.runtime.conftest import MEMBERS_INTENT

pytestmark = [pytest.mark.django_db(transaction=True)]

IMAGE = "vitrine-bot:latest"
SHOPS = 6
BOT_NETWORK = f"{NAMESPACE}-bots"
# Each node's own bot bridge, in the upper half of the harness's /24.
BOT_SUBNETS = {"h1": "10.214.0.128/27", "h2": "10.214.0.160/27", "h3": "10.214.0.192/27"}


class Cluster:
    def __init__(self, net: TestNet, hosts: list[Host]) -> None:
        self.net, self.hosts = net, hosts
        self.manager = hosts[0]
        self.dead: set[str] = set()
        self.node_ids = {n["Description"]["Hostname"].split("-", 1)[1]: n["ID"]
                         for n in swarm_nodes(self.manager)}
        self.clients = {h.name: docker.APIClient(base_url=h.docker_url, timeout=5,
                                                 version="1.41") for h in hosts}

    def node_of(self, node_id: str) -> str:
        return next(name for name, nid in self.node_ids.items() if nid == node_id)

    def running_tasks(self) -> list[dict]:
        tasks = self.clients[self.manager.name].tasks(
            filters={"label": f"{LABEL_NAMESPACE}={NAMESPACE}", "desired-state": "running"})
        return [t for t in tasks if t["Status"]["State"] == "running"]


@pytest.fixture(scope="module")
def cluster(testnet: TestNet) -> Iterator[Cluster]:
    started = time.monotonic()
    tar = save_image(IMAGE, Path(django_settings.BASE_DIR) / "var" / "cluster" / "bot.tar")
    hosts = [testnet.add_host(name, 10 + int(name[1])) for name in ("h1", "h2", "h3")]
    try:
        testnet.start_engines(hosts, image_tar=tar)
        form_swarm(hosts[0], hosts[1:])
        for host in hosts:
            # The operator's one step per node (deploy/README.md): the bot network's options.
            host.docker("network", "create", "--config-only", "--subnet",
                        BOT_SUBNETS[host.name], "-o",
                        "com.docker.network.bridge.enable_icc=false", "-o",
                        "com.docker.network.bridge.enable_ip_masquerade=true",
                        f"{BOT_NETWORK}-config")
        built = Cluster(testnet, hosts)
        built.setup_seconds = time.monotonic() - started
        yield built
    finally:
        for host in hosts:
            testnet.hosts.pop(host.name, None)
            host.destroy()


@pytest.fixture
def swarm(cluster, settings, cluster_sandbox, cluster_api, testnet) -> Iterator:
    settings.DOCKER_HOST = cluster.manager.docker_url
    settings.RUNTIME_BACKEND = "swarm"
    settings.RUNTIME_BOT_NETWORK = BOT_NETWORK
    settings.RUNTIME_BOT_SUBNET = BOT_SUBNETS["h1"]
    settings.RUNTIME_PLATFORM_URL = cluster_api
    settings.RUNTIME_HEARTBEAT_SECONDS = 1
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, testnet.gateway]
    settings.DISCORD_API_BASE_URL = f"{cluster_sandbox.url}/api"
    reset_backend_cache()
    backend = make_backend("swarm", ns=NAMESPACE)
    yield backend
    with contextlib.suppress(Exception):  # never mask the test's own error
        backend.remove_all()
    reset_backend_cache()


class Sampler(threading.Thread):
    """Counts each shop's live bots, three ways, every 0.2 s; keeps the maxima."""

    def __init__(self, cluster: Cluster, sandbox, apps: dict[int, str]) -> None:
        super().__init__(daemon=True)
        self.cluster, self.sandbox, self.apps = cluster, sandbox, apps
        self.halt = threading.Event()
        self.samples = 0
        self.worst: dict[str, tuple[int, dict]] = {"containers": (0, {}), "tasks": (0, {}),
                                                   "sessions": (0, {})}
        self.errors: list[str] = []

    def run(self) -> None:
        while not self.halt.is_set():
            try:
                self._sample()
            except Exception as exc:
                self.errors.append(f"{type(exc).__name__}: {exc}"[:200])
            self.halt.wait(0.2)

    def _sample(self) -> None:
        containers: dict[int, int] = {}
        for name, client in self.cluster.clients.items():
            if name in self.cluster.dead:
                continue
            for row in client.containers(filters={"label": f"{LABEL_NAMESPACE}={NAMESPACE}",
                                                  "status": "running"}):
                tenant = int(row["Labels"][LABEL_TENANT])
                containers[tenant] = containers.get(tenant, 0) + 1
        tasks: dict[int, int] = {}
        for task in self.cluster.running_tasks():
            tenant = int(task["Spec"]["ContainerSpec"]["Labels"][LABEL_TENANT])
            tasks[tenant] = tasks.get(tenant, 0) + 1
        sessions: dict[int, int] = {}
        by_app = {app: tenant for tenant, app in self.apps.items()}
        for session in self.sandbox.overview()["sessions"]:
            if session["connected"] and session["app_id"] in by_app:
                tenant = by_app[session["app_id"]]
                sessions[tenant] = sessions.get(tenant, 0) + 1
        for kind, counts in (("containers", containers), ("tasks", tasks),
                             ("sessions", sessions)):
            if counts and max(counts.values()) > self.worst[kind][0]:
                self.worst[kind] = (max(counts.values()), counts)
        self.samples += 1


def _start_shops(sandbox, count: int) -> dict[int, str]:
    """`count` shops, each with its sandbox application and its bot desired running."""
    apps: dict[int, str] = {}
    for index in range(count):
        shop = _shop(f"c{index}", f"Cluster shop {index}")
        app = sandbox.create_application(f"Cluster {index}", intents=MEMBERS_INTENT)
        sandbox.create_guild(f"Guild {app['id']}", [app["id"]])
        services.runtime_set_discord_token(tenant=shop.tenant, token=app["token"],
                                           actor=shop.owner)
        services.runtime_set_desired(tenant=shop.tenant, state=Desired.RUNNING, reason="test",
                                     actor=shop.owner)
        controller.sync_tenant(shop.tenant.pk)
        apps[shop.tenant.pk] = str(app["id"])
    return apps


def _all_ready(cluster: Cluster, sandbox, apps: dict[int, str], *,
               avoid: set[str]) -> dict[int, str] | None:
    """{tenant: node} once every shop's one running task is on an allowed node, its bot has
    heartbeated since that task started (it reached the Bot API after its gateway READY), its
    gateway session is connected and the controller says RUNNING; else None."""
    controller.reconcile_all()
    tasks = {int(t["Spec"]["ContainerSpec"]["Labels"][LABEL_TENANT]): t
             for t in cluster.running_tasks()}
    if set(tasks) != set(apps):
        return None
    connected = {s["app_id"] for s in sandbox.overview()["sessions"] if s["connected"]}
    runtimes = {r.tenant_id: r for r in BotRuntime.objects.unscoped().filter(tenant_id__in=apps)}
    placed: dict[int, str] = {}
    for tenant, task in tasks.items():
        node = cluster.node_of(task["NodeID"])
        since = parse_time(task["Status"]["Timestamp"])
        runtime = runtimes[tenant]
        beat = runtime.last_heartbeat_at
        if node in avoid or apps[tenant] not in connected or beat is None or since is None or \
                beat < since or runtime.observed_state != Observed.RUNNING:
            return None
        placed[tenant] = node
    return placed


def _spread(placed: dict[int, str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for node in placed.values():
        counts[node] = counts.get(node, 0) + 1
    return counts


def test_a_second_service_for_a_shop_is_removed_by_the_controller(
        swarm, cluster, cluster_sandbox, cluster_report) -> None:
    """Two live services for one tenant (a start that raced a deletion): the next pass keeps
    the newest and scales the other to zero."""
    apps = _start_shops(cluster_sandbox, 1)
    tenant = next(iter(apps))
    first = swarm.list()[tenant].ref
    # The race, by hand: a second service for the same shop, made the way start() makes one.
    runtime = BotRuntime.objects.unscoped().get(tenant_id=tenant)
    spec = controller.build_spec(runtime)
    secrets = swarm._create_secrets(spec, split_secrets(spec.env)[1])
    from docker.types import ServiceMode

    second = swarm.api.create_service(swarm.task_template(spec, secrets),
                                      name=f"{spec.name}-race", labels=swarm.labels(spec),
                                      mode=ServiceMode("replicated", replicas=1))["ID"]
    listed = wait_until(lambda: (i := swarm.list()[tenant]).duplicates and i, timeout=30,
                        what="both services listed")
    # The one kept is the one whose latest task is newest (usually the second; the first if
    # its task was just replaced): either way one stays, one goes.
    kept, dropped = listed.ref, listed.duplicates
    assert {kept, *dropped} == {first, second} and len(dropped) == 1
    result = controller.reconcile_all()
    assert result.duplicates_removed == 1

    def replicas(ref: str) -> int:
        return swarm.api.inspect_service(ref)["Spec"]["Mode"]["Replicated"]["Replicas"]
    assert (replicas(kept), replicas(dropped[0])) == (1, 0)
    assert swarm.list()[tenant].duplicates == []  # the stopping one is not removed twice
    assert controller.reconcile_all().duplicates_removed == 0

    def bots_running() -> int:
        return sum(len(client.containers(filters={
            "label": f"{LABEL_TENANT}={tenant}", "status": "running"}))
            for name, client in cluster.clients.items() if name not in cluster.dead)
    wait_until(lambda: bots_running() == 1, timeout=60, what="one bot running for the shop")
    assert swarm.list()[tenant].ref == kept
    cluster_report("a raced second service for a shop: removed by the next reconcile pass")


def test_bots_spread_move_on_drain_and_on_engine_death_one_at_a_time(
        swarm, cluster, cluster_sandbox, cluster_report) -> None:
    cluster_report(f"harness: 3 hosts, 3 dockerds, image loaded, swarm formed in "
                   f"{cluster.setup_seconds:.1f} s")
    began = time.monotonic()
    apps = _start_shops(cluster_sandbox, SHOPS)
    sampler = Sampler(cluster, cluster_sandbox, apps)
    sampler.start()
    try:
        placed = wait_until(lambda: _all_ready(cluster, cluster_sandbox, apps, avoid=set()),
                            timeout=120, interval=0.3, what="every bot READY")
        cluster_report(f"{SHOPS} bots READY in {time.monotonic() - began:.1f} s, "
                       f"placed {_spread(placed)}")
        # Spread: every node carries bots, none more than one above another.
        assert set(_spread(placed)) == {"h1", "h2", "h3"}
        assert max(_spread(placed).values()) - min(_spread(placed).values()) <= 1
        # Limits travel with every task.
        service = swarm.api.inspect_service(swarm.list()[next(iter(apps))].ref)
        limits = service["Spec"]["TaskTemplate"]["Resources"]["Limits"]
        assert limits["MemoryBytes"] > 0 and limits["NanoCPUs"] > 0
        # No spread preference: Swarm's least-loaded choice is what spread them (see swarm.py).
        assert not service["Spec"]["TaskTemplate"].get("Placement", {}).get("Preferences")

        # A drained worker: Swarm moves its bots, each stopped before its successor starts.
        moved = sorted(t for t, node in placed.items() if node == "h2")
        drained_at = time.monotonic()
        cluster.manager.docker("node", "update", "--availability", "drain",
                               cluster.node_ids["h2"])
        placed = wait_until(lambda: _all_ready(cluster, cluster_sandbox, apps, avoid={"h2"}),
                            timeout=120, interval=0.3, what="every bot READY off the drain")
        drain_seconds = time.monotonic() - drained_at
        cluster_report(f"drain of h2 ({len(moved)} bots): all {SHOPS} READY again in "
                       f"{drain_seconds:.1f} s, placed {_spread(placed)}")
        cluster.manager.docker("node", "update", "--availability", "active",
                               cluster.node_ids["h2"])

        # A worker's engine dies (dockerd, containerd, the shims and the bots, SIGKILLed).
        victims = sorted(t for t, node in placed.items() if node == "h3")
        assert victims, placed
        killed_at = time.monotonic()
        cluster.dead.add("h3")
        cluster.hosts[2].kill_dockerd()
        wait_until(lambda: any(n["Status"]["State"] == "down"
                               for n in swarm_nodes(cluster.manager)
                               if n["ID"] == cluster.node_ids["h3"]),
                   timeout=60, what="the manager to see h3 down")
        down_seconds = time.monotonic() - killed_at
        placed = wait_until(lambda: _all_ready(cluster, cluster_sandbox, apps, avoid={"h3"}),
                            timeout=120, interval=0.3, what="every bot READY off dead h3")
        kill_seconds = time.monotonic() - killed_at
        cluster_report(f"engine of h3 killed ({len(victims)} bots): node down after "
                       f"{down_seconds:.1f} s, all {SHOPS} READY again in {kill_seconds:.1f} s, "
                       f"placed {_spread(placed)}")
    finally:
        sampler.halt.set()
        sampler.join(timeout=10)
    cluster_report(f"one bot per shop: {sampler.samples} samples, most at once: containers "
                   f"{sampler.worst['containers'][0]}, manager's running tasks "
                   f"{sampler.worst['tasks'][0]}, gateway sessions "
                   f"{sampler.worst['sessions'][0]} (sampler errors: {len(sampler.errors)})")
    assert sampler.samples > 50
    assert {kind: worst[0] for kind, worst in sampler.worst.items()} == {
        "containers": 1, "tasks": 1, "sessions": 1}, sampler.worst
