"""Bots as Docker Swarm services: one service per tenant, replicas 1 (running) or 0 (stopped).

The path to many hosts. Swarm's own restart policy (on-failure, with a delay and a bounded
number of attempts) brings a crashed bot back first; when Swarm gives up, the controller sees
the exit with the number of failed attempts and applies the crash policy. Listing is one engine
call whatever the number of tenants (tasks by container label).

What Swarm (engine API 1.41, Debian's 20.10) cannot express, compared with the docker backend:
no-new-privileges, a swap limit and the pids limit are not settable per service there; the
hardening test checks those on the docker backend.

Network: an overlay has no switch to stop its containers talking to each other, so bots join a
swarm-scoped *bridge* network instead (`<namespace>-bots`): a config-only network holds the
options (enable_icc=false, the subnet) and the swarm network is created `--config-from` it.
Each node then runs the same isolated bridge the docker backend uses; a bot needs no traffic
to another node. On a multi-node swarm the config-only network must exist on every node
(deploy/README.md). RUNTIME_BOT_NETWORK=host keeps the host's network (tests only).

Placement across a cluster: limits on every task (CPU, memory); Swarm's scheduler puts each
new one-replica service on the node with the fewest tasks, so tenants spread evenly over the
nodes (tests/cluster/). RUNTIME_SWARM_SPREAD_LABEL adds a spread preference over a node label;
Swarm applies it to a service's own replicas, so with one replica per tenant it picks a zone at
random for each bot: set it only when zones matter more than balance. Updates stop the old task
before starting the new one, and Swarm waits for a drained node's task to stop before its
replacement starts: a tenant never has two bots. Should two ever be listed (a start that raced
a deletion, a node back from the dead with its old task), list() names the older ones in
`duplicates` and the controller removes them (tests/cluster/ samples it under drain and node
death).

Secrets: DISCORD_TOKEN and INSTANCE_TOKEN are Swarm secrets (one pair per service, named after
the spec hash, so a rotated token is a new secret and a new service), mounted 0400 for the
bot's uid at /run/secrets; `docker service inspect` shows only their names.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from docker.errors import NotFound
from docker.types import (
    ContainerSpec,
    DriverConfig,
    Mount,
    Placement,
    Resources,
    RestartPolicy,
    SecretReference,
    ServiceMode,
    TaskTemplate,
    UpdateConfig,
)

from runtime import policy
from runtime.backends.base import (
    EXIT_MISCONFIGURED,
    HOST_NETWORK,
    LABEL_SPEC,
    LABEL_TENANT,
    BotSpec,
    EngineError,
    Instance,
    Stats,
    split_secrets,
)
from runtime.backends.docker import (
    BOT_UID,
    BOT_USER,
    BRIDGE_OPTIONS,
    DockerBackend,
    parse_time,
)

LIVE = {"new", "allocated", "pending", "assigned", "accepted", "preparing", "ready", "starting",
        "running"}
RESTART_DELAY = timedelta(seconds=5)
STOPPING = "stopping"


class SwarmBackend(DockerBackend):
    name = "swarm"

    def _max_attempts(self) -> int:
        return max(policy.crashloop_after() - 1, 0)

    # --- the bot network: a swarm-scoped bridge, options from a config-only network ----------
    def _create_network(self, name: str) -> None:
        config = f"{name}-config"
        if self._find_network(config) is None:
            ipam = self._ipam()
            self._raw_network(config, {
                "Driver": "bridge", "ConfigOnly": True,
                "Options": BRIDGE_OPTIONS, "Labels": self.network_labels(),
                "IPAM": dict(ipam) if ipam else {"Driver": "default", "Config": []}})
        # The engine refuses any setting (labels included) beside ConfigFrom here.
        self._raw_network(name, {"Driver": "bridge", "Scope": "swarm",
                                 "ConfigFrom": {"Network": config}})

    def _raw_network(self, name: str, body: dict) -> None:
        # docker-py 7 cannot say ConfigOnly / ConfigFrom: the same endpoint, by hand.
        api = self.api

        def create() -> dict:
            return api._result(api._post_json(api._url("/networks/create"),
                                              data={"Name": name, "CheckDuplicate": True,
                                                    **body}), True)
        self._call("network", create)

    def _check_network(self, name: str, network: dict) -> None:
        config = (network.get("ConfigFrom") or {}).get("Network", "")
        source = self._find_network(config) if config else None
        options = (source or {}).get("Options") or {}
        # Right after creation the manager may list the driver as "" for a moment.
        if network.get("Scope") != "swarm" or network.get("Driver") not in ("bridge", "") or \
                options.get("com.docker.network.bridge.enable_icc") != "false":
            raise EngineError(f"network {name!r} exists but is not a swarm bridge with "
                              "inter-container traffic disabled (scope "
                              f"{network.get('Scope')!r}, driver {network.get('Driver')!r}, "
                              f"config {config!r}: {options}); remove it or pick another "
                              "RUNTIME_BOT_NETWORK", permanent=True)

    def remove_network(self) -> None:
        super().remove_network()
        name = self.network_name()
        if name == HOST_NETWORK:
            return
        # The swarm network leaves the node asynchronously; until then its config network is
        # "in use": retry, bounded.
        tick, waited = threading.Event(), 0.0
        while waited < 15:
            try:
                self._call("network-remove", self.api.remove_network, f"{name}-config")
                return
            except NotFound:
                return
            except EngineError:
                tick.wait(0.2)
                waited += 0.2

    # --- secrets ----------------------------------------------------------------------------------
    def _create_secrets(self, spec: BotSpec, files: dict[str, str]) -> list[SecretReference]:
        refs, suffix = [], uuid.uuid4().hex[:6]
        for filename, value in files.items():
            secret_name = f"{spec.name}-{spec.spec_hash[:12]}-{suffix}-{filename}"
            created = self._call("secret", self.api.create_secret, secret_name,
                                 value.encode(), labels=self.labels(spec))
            refs.append(SecretReference(created["ID"], secret_name, filename=filename,
                                        uid=str(BOT_UID), gid=str(BOT_UID), mode=0o400))
        return refs

    def _drop_secrets(self, tenant_id: int | None = None) -> None:
        """Delete this tenant's (or namespace's) secrets no service uses any more."""
        in_use = {ref.get("SecretID") for service in self._services(tenant_id)
                  for ref in (service["Spec"]["TaskTemplate"]["ContainerSpec"]
                              .get("Secrets") or [])}
        for secret in self._call("secrets", self.api.secrets, filters=self._filters(tenant_id)):
            if secret["ID"] not in in_use:
                with contextlib.suppress(NotFound, EngineError):
                    self._call("secret-remove", self.api.remove_secret, secret["ID"])

    def task_template(self, spec: BotSpec,
                      secrets: list[SecretReference] | None = None) -> TaskTemplate:
        env, _files = split_secrets(spec.env)
        container = ContainerSpec(
            spec.image, user=BOT_USER, env=[f"{k}={v}" for k, v in env.items()],
            secrets=secrets or None,
            labels=self.labels(spec), read_only=True, init=True, cap_drop=["ALL"],
            stop_grace_period=self.stop_grace * 10**9,
            mounts=[Mount("/tmp", "", type="tmpfs",  # noqa: S108 - in-memory scratch space
                          tmpfs_size=spec.tmpfs_mb * 1024 * 1024)],
        )
        resources = Resources(cpu_limit=spec.cpu_millis * 1_000_000,
                              mem_limit=spec.memory_mb * 1024 * 1024)
        restart = RestartPolicy(condition="on-failure",
                                delay=int(RESTART_DELAY.total_seconds() * 10**9),
                                max_attempts=self._max_attempts(),
                                window=int(policy.stable_run().total_seconds() * 10**9))
        logs = DriverConfig("json-file", {"max-size": spec.log_max_size,
                                          "max-file": str(spec.log_max_files)})
        return TaskTemplate(container, resources=resources, restart_policy=restart,
                            log_driver=logs, networks=[self.ensure_network()],
                            placement=self._placement())

    @staticmethod
    def _placement() -> Placement | None:
        label = str(getattr(settings, "RUNTIME_SWARM_SPREAD_LABEL", "") or "").strip()
        return Placement(preferences=[("spread", f"node.labels.{label}")]) if label else None

    # --- interface ----------------------------------------------------------------------------
    def list(self) -> dict[int, Instance]:
        # One call: the task filter matches the service's labels, and each task carries the
        # container labels (tenant, spec hash) and its service id.
        tasks = self._call("tasks", self.api.tasks, filters=self._filters())
        by_service: dict[str, list[dict]] = {}
        for task in tasks:
            by_service.setdefault(task.get("ServiceID", ""), []).append(task)
        by_tenant: dict[int, list[Instance]] = {}
        for service_id, service_tasks in by_service.items():
            instance = self._instance(service_id, service_tasks)
            if instance is not None:
                by_tenant.setdefault(instance.tenant_id, []).append(instance)
        return {tenant_id: _keep_newest(found) for tenant_id, found in by_tenant.items()}

    def _instance(self, service_id: str, tasks: list[dict]) -> Instance | None:
        latest = max(tasks, key=lambda t: t.get("CreatedAt", ""))
        labels = latest["Spec"]["ContainerSpec"].get("Labels") or {}
        status = latest.get("Status", {})
        state = status.get("State", "")
        if latest.get("DesiredState") == "remove":
            return None  # its service was deleted; the task is on its way out
        if state == "shutdown" and latest.get("DesiredState") == "shutdown":
            return None  # scaled to 0 by remove(): stopped, kept only for its logs
        instance = Instance(tenant_id=int(labels[LABEL_TENANT]), ref=service_id,
                            spec_hash=labels.get(LABEL_SPEC, ""), running=True, status=state,
                            exit_id=latest["ID"], started_at=parse_time(latest.get("CreatedAt")))
        if not any(t.get("DesiredState") == "running" for t in tasks):
            instance.status = STOPPING  # scaled to 0: its last task is on its way out
        failed = [t for t in tasks if t.get("Status", {}).get("State") in ("failed", "rejected")]
        last_failed = max(failed, key=lambda t: t.get("CreatedAt", "")) if failed else None
        if last_failed is not None and _exit_code(last_failed) == EXIT_MISCONFIGURED:
            # Swarm retries any failure; exit 78 must not be: report it now (the controller
            # then scales the service to 0), even if a retry is already on its way.
            self._exited(instance, last_failed, len(failed))
            instance.restarting = state in LIVE or state in ("failed", "rejected")
            return instance
        if state in LIVE:
            return instance
        if state in ("failed", "rejected") and len(failed) <= self._max_attempts():
            instance.status = "restarting"  # Swarm's restart policy brings it back
            return instance
        return self._exited(instance, latest, len(failed))

    @staticmethod
    def _exited(instance: Instance, task: dict, failures: int) -> Instance:
        instance.running, instance.exit_code = False, _exit_code(task)
        instance.exit_id, instance.failures = task["ID"], max(failures, 1)
        instance.status = task.get("Status", {}).get("State", "")
        instance.started_at = parse_time(task.get("CreatedAt"))
        instance.finished_at = parse_time(task.get("Status", {}).get("Timestamp"))
        return instance

    def inspect(self, instance: Instance) -> Instance:
        return instance  # list() already read the tasks

    def start(self, spec: BotSpec) -> Instance:
        for old in self._services(spec.tenant_id):
            self._delete(old["ID"])
        self._drop_secrets(spec.tenant_id)
        secrets = self._create_secrets(spec, split_secrets(spec.env)[1])
        try:
            created = self._call("create", self.api.create_service,
                                 self.task_template(spec, secrets), name=spec.name,
                                 labels=self.labels(spec),
                                 mode=ServiceMode("replicated", replicas=1),
                                 update_config=UpdateConfig(order="stop-first"))
        except EngineError:
            self._drop_secrets(spec.tenant_id)
            raise
        self._wait_for_task(created["ID"])
        return Instance(tenant_id=spec.tenant_id, ref=created["ID"], spec_hash=spec.spec_hash,
                        running=True, status="pending")

    def _wait_for_task(self, service_id: str, timeout: float = 15.0) -> None:
        """Swarm schedules asynchronously; wait (bounded) until the task exists, so the next
        list() sees the service and the controller does not start it twice."""
        tick, waited = threading.Event(), 0.0
        while waited < timeout:
            if self._call("tasks", self.api.tasks, filters={"service": service_id}):
                return
            tick.wait(0.1)
            waited += 0.1

    def _services(self, tenant_id: int | None = None) -> list[dict]:
        return self._call("services", self.api.services, filters=self._filters(tenant_id))

    def _delete(self, ref: str) -> None:
        with contextlib.suppress(NotFound):
            self._call("remove", self.api.remove_service, ref)

    def remove(self, instance: Instance) -> None:
        """Scale to 0: the bot stops, its service (and logs) stay until the next start."""
        try:
            service = self._call("inspect", self.api.inspect_service, instance.ref)
            self._call("update", self.api.update_service, instance.ref,
                       version=service["Version"]["Index"],
                       mode=ServiceMode("replicated", replicas=0), fetch_current_spec=True)
        except NotFound:
            pass

    def logs(self, instance: Instance, *, tail: int = 200) -> str:
        try:
            chunks: Any = self._call("logs", self.api.service_logs, instance.ref, stdout=True,
                                     stderr=True, tail=tail, timestamps=False)
            return b"".join(chunks).decode("utf-8", errors="replace")
        except NotFound:
            return ""

    def stats(self, instance: Instance) -> Stats | None:
        tasks = self._call("tasks", self.api.tasks, filters={"service": instance.ref,
                                                             "desired-state": "running"})
        for task in tasks:
            container = (task.get("Status", {}).get("ContainerStatus") or {}).get("ContainerID")
            if container and task.get("Status", {}).get("State") == "running":
                return super().stats(Instance(tenant_id=instance.tenant_id, ref=container,
                                              spec_hash="", running=True))
        return None

    def version(self) -> str:
        return f"{super().version()}, swarm"

    def remove_all(self) -> int:
        services = self._services()
        for service in services:
            self._delete(service["ID"])
        # Swarm marks the tasks of a deleted service asynchronously: return once they are gone
        # from the listing (bounded), so a caller's next list() does not see ghosts.
        tick, waited = threading.Event(), 0.0
        while services and self.list() and waited < 15:
            tick.wait(0.1)
            waited += 0.1
        self._drop_secrets()
        return len(services)


def _keep_newest(found: list[Instance]) -> Instance:
    """One instance per tenant: the newest live one; other live services are duplicates
    (not those already scaled to 0 and stopping: they are gone within the stop grace)."""
    floor = datetime.min.replace(tzinfo=UTC)
    found.sort(key=lambda i: (i.running, i.status != STOPPING, i.started_at or floor),
               reverse=True)
    keep = found[0]
    keep.duplicates = [i.ref for i in found[1:] if i.running and i.status != STOPPING]
    return keep


def _exit_code(task: dict) -> int | None:
    return (task.get("Status", {}).get("ContainerStatus") or {}).get("ExitCode")
