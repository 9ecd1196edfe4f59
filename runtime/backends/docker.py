"""Bots as hardened Docker containers, through the docker SDK's low-level client.

The only module that talks to the Docker engine (DESIGN.md: wrap each outside SDK in one small
module we own). Every call has a timeout; failures become `EngineError`. The restart policy is
"no": the controller, not Docker, decides when a bot comes back (backoff, daily budget).
"""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime
from typing import Any

import docker
import requests
from django.conf import settings
from docker.errors import APIError, DockerException, NotFound
from docker.types import LogConfig

from runtime.backends.base import (
    LABEL_BACKEND,
    LABEL_MANAGED,
    LABEL_NAMESPACE,
    LABEL_SPEC,
    LABEL_TENANT,
    BotSpec,
    CallCounter,
    EngineError,
    Instance,
    Stats,
)

BOT_USER = "10001:10001"
_EXITED = re.compile(r"Exited \((-?\d+)\)")


def parse_time(value: str | None) -> datetime | None:
    if not value or value.startswith("0001-"):
        return None
    value = re.sub(r"\.(\d{6})\d*", r".\1", value.replace("Z", "+00:00"))
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


class DockerBackend:
    name = "docker"

    def __init__(self, *, namespace: str, base_url: str | None = None, timeout: float = 10.0,
                 stop_grace: int = 5) -> None:
        self.namespace = namespace
        self.base_url = base_url or getattr(settings, "DOCKER_HOST",
                                            "unix:///var/run/docker.sock")
        self.timeout = timeout
        self.stop_grace = stop_grace
        self.counter = CallCounter()
        self._api: docker.APIClient | None = None

    @property
    def api(self) -> docker.APIClient:
        if self._api is None:
            try:
                # A pinned version: no version-negotiation round trip on every new client.
                self._api = docker.APIClient(base_url=self.base_url, timeout=self.timeout,
                                             version="1.41")
            except DockerException as exc:
                raise EngineError(f"Docker engine unreachable: {exc}") from exc
        return self._api

    def _call(self, call_name: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        self.counter.add(call_name)
        try:
            return func(*args, **kwargs)
        except NotFound:
            raise
        except APIError as exc:
            status = exc.response.status_code if exc.response is not None else 500
            raise EngineError(f"Docker engine error: {exc.explanation or exc}",
                              permanent=400 <= status < 500 and status != 409) from exc
        except (DockerException, requests.RequestException, OSError) as exc:
            raise EngineError(f"Docker engine unreachable: {exc}") from exc

    def _filters(self, tenant_id: int | None = None) -> dict[str, list[str]]:
        labels = [f"{LABEL_MANAGED}=1", f"{LABEL_NAMESPACE}={self.namespace}",
                  f"{LABEL_BACKEND}={self.name}"]
        if tenant_id is not None:
            labels.append(f"{LABEL_TENANT}={tenant_id}")
        return {"label": labels}

    # --- interface ----------------------------------------------------------------------------
    def list(self) -> dict[int, Instance]:
        rows = self._call("list", self.api.containers, all=True, filters=self._filters())
        found: dict[int, Instance] = {}
        for row in rows:
            labels = row.get("Labels") or {}
            tenant_id = int(labels[LABEL_TENANT])
            match = _EXITED.search(row.get("Status", ""))
            running = row.get("State") in ("running", "restarting")
            found[tenant_id] = Instance(
                tenant_id=tenant_id, ref=row["Id"], spec_hash=labels.get(LABEL_SPEC, ""),
                running=running, exit_code=int(match.group(1)) if match and not running else None,
                status=row.get("State", ""),
                started_at=datetime.fromtimestamp(row["Created"], UTC) if running else None,
            )
        return found

    def inspect(self, instance: Instance) -> Instance:
        try:
            data = self._call("inspect", self.api.inspect_container, instance.ref)
        except NotFound:
            return instance
        state = data["State"]
        instance.running = bool(state.get("Running"))
        instance.exit_code = None if instance.running else state.get("ExitCode")
        instance.oom_killed = bool(state.get("OOMKilled"))
        instance.started_at = parse_time(state.get("StartedAt"))
        instance.finished_at = parse_time(state.get("FinishedAt"))
        instance.status = state.get("Status", "")
        return instance

    def labels(self, spec: BotSpec) -> dict[str, str]:
        return {**spec.labels, LABEL_BACKEND: self.name}

    def host_config(self, spec: BotSpec) -> dict:
        memory = spec.memory_mb * 1024 * 1024
        return self.api.create_host_config(
            network_mode="host",  # reaches only 127.0.0.1 services (sandbox, platform) here
            read_only=True,
            # A small writable /tmp in memory; the root filesystem itself is read-only.
            tmpfs={"/tmp": f"rw,noexec,nosuid,nodev,size={spec.tmpfs_mb}m"},  # noqa: S108
            cap_drop=["ALL"],
            security_opt=["no-new-privileges:true"],
            init=True,
            mem_limit=memory,
            memswap_limit=memory,  # swap equal to memory: no swapping beyond the limit
            nano_cpus=spec.cpu_millis * 1_000_000,
            pids_limit=spec.pids_limit,
            log_config=LogConfig(type="json-file", config={
                "max-size": spec.log_max_size, "max-file": str(spec.log_max_files)}),
            restart_policy={"Name": "no"},
        )

    def start(self, spec: BotSpec) -> Instance:
        for old in self._by_tenant(spec.tenant_id):
            self.remove(old)
        created = self._call(
            "create", self.api.create_container, spec.image, name=spec.name, user=BOT_USER,
            environment=spec.env, labels=self.labels(spec), host_config=self.host_config(spec),
            detach=True, stop_signal="SIGTERM",
        )
        ref = created["Id"]
        try:
            self._call("start", self.api.start, ref)
        except EngineError:
            self._remove_ref(ref)
            raise
        return Instance(tenant_id=spec.tenant_id, ref=ref, spec_hash=spec.spec_hash,
                        running=True, started_at=datetime.now(UTC), status="running")

    def _by_tenant(self, tenant_id: int) -> list[Instance]:
        rows = self._call("list", self.api.containers, all=True,
                          filters=self._filters(tenant_id))
        return [Instance(tenant_id=tenant_id, ref=r["Id"], spec_hash="", running=False)
                for r in rows]

    def remove(self, instance: Instance) -> None:
        self._remove_ref(instance.ref)

    def _remove_ref(self, ref: str) -> None:
        try:
            self._call("stop", self.api.stop, ref, timeout=self.stop_grace)
        except NotFound:
            return
        except EngineError:
            pass  # already stopped or not stoppable: force removal below
        with contextlib.suppress(NotFound):
            self._call("remove", self.api.remove_container, ref, force=True)

    def logs(self, instance: Instance, *, tail: int = 200) -> str:
        try:
            raw = self._call("logs", self.api.logs, instance.ref, tail=tail, timestamps=False)
        except NotFound:
            return ""
        return raw.decode("utf-8", errors="replace")

    def stats(self, instance: Instance) -> Stats | None:
        if not instance.running:
            return None
        try:
            data = self._call("stats", self.api.stats, instance.ref, stream=False)
        except NotFound:
            return None
        memory = data.get("memory_stats") or {}
        usage = memory.get("usage")
        cache = (memory.get("stats") or {}).get("total_inactive_file", 0)
        cpu, pre = data.get("cpu_stats") or {}, data.get("precpu_stats") or {}
        cpu_delta = (cpu.get("cpu_usage", {}).get("total_usage", 0)
                     - pre.get("cpu_usage", {}).get("total_usage", 0))
        sys_delta = cpu.get("system_cpu_usage", 0) - pre.get("system_cpu_usage", 0)
        cores = cpu.get("online_cpus") or 1
        percent = (cpu_delta / sys_delta) * cores * 100 if sys_delta > 0 else None
        return Stats(memory_bytes=(usage - cache) if usage is not None else None,
                     memory_limit_bytes=memory.get("limit"), cpu_percent=percent)

    def ping(self) -> None:
        self._call("ping", self.api.ping)

    def version(self) -> str:
        data = self._call("version", self.api.version)
        return f"Docker {data.get('Version', '?')} (API {data.get('ApiVersion', '?')})"

    def remove_all(self) -> int:
        rows = self._call("list", self.api.containers, all=True, filters=self._filters())
        for row in rows:
            self._remove_ref(row["Id"])
        return len(rows)
