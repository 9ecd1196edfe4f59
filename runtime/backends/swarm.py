"""Bots as Docker Swarm services: one service per tenant, replicas 1 (running) or 0 (stopped).

The path to many hosts. Swarm's own restart policy (on-failure, with a delay and a bounded
number of attempts) brings a crashed bot back first; when Swarm gives up, the controller sees
the exit with the number of failed attempts and applies the crash policy. Listing is one engine
call whatever the number of tenants (tasks by container label).

What Swarm (engine API 1.41, Debian's 20.10) cannot express, compared with the docker backend:
no-new-privileges, a swap limit and the pids limit are not settable per service there; the
hardening test checks those on the docker backend. Environment variables are visible to
`docker service inspect` (production should move the two secrets to Swarm secrets).
"""

from __future__ import annotations

import contextlib
import threading
from datetime import timedelta
from typing import Any

from docker.errors import NotFound
from docker.types import (
    ContainerSpec,
    DriverConfig,
    Mount,
    Resources,
    RestartPolicy,
    ServiceMode,
    TaskTemplate,
)

from runtime import policy
from runtime.backends.base import (
    EXIT_MISCONFIGURED,
    LABEL_SPEC,
    LABEL_TENANT,
    BotSpec,
    Instance,
    Stats,
)
from runtime.backends.docker import BOT_USER, DockerBackend, parse_time

LIVE = {"new", "allocated", "pending", "assigned", "accepted", "preparing", "ready", "starting",
        "running"}
RESTART_DELAY = timedelta(seconds=5)


class SwarmBackend(DockerBackend):
    name = "swarm"

    def _max_attempts(self) -> int:
        return max(policy.crashloop_after() - 1, 0)

    def task_template(self, spec: BotSpec) -> TaskTemplate:
        container = ContainerSpec(
            spec.image, user=BOT_USER, env=[f"{k}={v}" for k, v in spec.env.items()],
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
                            log_driver=logs, networks=["host"])

    # --- interface ----------------------------------------------------------------------------
    def list(self) -> dict[int, Instance]:
        # One call: the task filter matches the service's labels, and each task carries the
        # container labels (tenant, spec hash) and its service id.
        tasks = self._call("tasks", self.api.tasks, filters=self._filters())
        by_service: dict[str, list[dict]] = {}
        for task in tasks:
            by_service.setdefault(task.get("ServiceID", ""), []).append(task)
        found: dict[int, Instance] = {}
        for service_id, service_tasks in by_service.items():
            instance = self._instance(service_id, service_tasks)
            if instance is None:
                continue
            known = found.get(instance.tenant_id)
            if known is None or (instance.started_at or 0) > (known.started_at or 0):
                found[instance.tenant_id] = instance
        return found

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
        created = self._call("create", self.api.create_service, self.task_template(spec),
                             name=spec.name, labels=self.labels(spec),
                             mode=ServiceMode("replicated", replicas=1))
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
        return len(services)


def _exit_code(task: dict) -> int | None:
    return (task.get("Status", {}).get("ContainerStatus") or {}).get("ExitCode")
