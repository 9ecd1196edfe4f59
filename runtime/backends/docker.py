"""Bots as hardened Docker containers, through the docker SDK's low-level client.

The only module that talks to the Docker engine (DESIGN.md: wrap each outside SDK in one small
module we own). Every call has a timeout; failures become `EngineError`. The restart policy is
"no": the controller, not Docker, decides when a bot comes back (backoff, daily budget).

Network: bots join a bridge network this backend creates and owns (`<namespace>-bots`, or
RUNTIME_BOT_NETWORK), with inter-container traffic disabled (enable_icc=false): a bot reaches
neither another bot nor, as long as nothing on the host listens on the bridge's address, the
host's services (PostgreSQL and Redis listen on 127.0.0.1, which inside the container is the
container's own loopback). Egress beyond that is the host firewall's job (deploy/README.md).
RUNTIME_BOT_NETWORK=host shares the host's network: tests and the local sandbox only (the
system check runtime.E001 refuses it when DEBUG is off).

Secrets: DISCORD_TOKEN and INSTANCE_TOKEN are written to a per-bot directory under
RUNTIME_SECRETS_DIR (0400 files owned by the bot's uid, the directory itself 0700), bind-mounted
read-only at /run/secrets; the container's environment only names the files (*_FILE).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docker
import requests
from django.conf import settings
from docker.errors import APIError, DockerException, NotFound
from docker.types import IPAMConfig, IPAMPool, LogConfig

from runtime.backends.base import (
    HOST_NETWORK,
    LABEL_BACKEND,
    LABEL_MANAGED,
    LABEL_NAMESPACE,
    LABEL_SPEC,
    LABEL_TENANT,
    SECRETS_DIR,
    BotSpec,
    CallCounter,
    EngineError,
    Instance,
    Stats,
    split_secrets,
)

BOT_UID = 10001
BOT_USER = f"{BOT_UID}:{BOT_UID}"
# The bridge every bot joins: no traffic between its containers; outbound NAT stays on (Discord).
BRIDGE_OPTIONS = {"com.docker.network.bridge.enable_icc": "false",
                  "com.docker.network.bridge.enable_ip_masquerade": "true"}
_EXITED = re.compile(r"Exited \((-?\d+)\)")


def parse_time(value: str | None) -> datetime | None:
    if not value or value.startswith("0001-"):
        return None
    value = re.sub(r"\.(\d{6})\d*", r".\1", value.replace("Z", "+00:00"))
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _newest(known: Instance, other: Instance) -> Instance:
    """Of two bots listed for one tenant, the one to keep; a running other is a duplicate."""
    floor = datetime.min.replace(tzinfo=UTC)
    keep, drop = sorted((known, other), key=lambda i: (i.running, i.started_at or floor),
                        reverse=True)
    keep.duplicates = [*keep.duplicates, *drop.duplicates]
    if drop.running:
        keep.duplicates.append(drop.ref)
    return keep


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
        self._network_ready: str | None = None

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
            instance = Instance(
                tenant_id=tenant_id, ref=row["Id"], spec_hash=labels.get(LABEL_SPEC, ""),
                running=running, exit_code=int(match.group(1)) if match and not running else None,
                status=row.get("State", ""),
                started_at=datetime.fromtimestamp(row["Created"], UTC) if running else None,
            )
            known = found.get(tenant_id)
            found[tenant_id] = _newest(known, instance) if known else instance
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

    # --- the bot network ------------------------------------------------------------------------
    def network_name(self) -> str:
        configured = str(getattr(settings, "RUNTIME_BOT_NETWORK", "") or "").strip()
        return configured or f"{self.namespace}-bots"

    def network_labels(self) -> dict[str, str]:
        return {LABEL_MANAGED: "1", LABEL_NAMESPACE: self.namespace, LABEL_BACKEND: self.name}

    def _ipam(self) -> IPAMConfig | None:
        subnet = str(getattr(settings, "RUNTIME_BOT_SUBNET", "") or "").strip()
        return IPAMConfig(pool_configs=[IPAMPool(subnet=subnet)]) if subnet else None

    def _find_network(self, name: str) -> dict | None:
        # The engine's name filter matches substrings: compare exactly.
        rows = self._call("networks", self.api.networks, names=[name])
        return next((row for row in rows if row.get("Name") == name), None)

    def ensure_network(self) -> str:
        """The network bots join, created on first use (idempotent); "host" when configured."""
        name = self.network_name()
        if name == HOST_NETWORK or self._network_ready == name:
            return name
        found = self._find_network(name)
        if found is None:
            try:
                self._create_network(name)
            except EngineError:
                if self._find_network(name) is None:  # not a concurrent creation: a failure
                    raise
            found = self._find_network(name)
        self._check_network(name, found or {})
        self._network_ready = name
        return name

    def _create_network(self, name: str) -> None:
        self._call("network", self.api.create_network, name, driver="bridge",
                   options=BRIDGE_OPTIONS, ipam=self._ipam(), labels=self.network_labels(),
                   check_duplicate=True)

    def _check_network(self, name: str, network: dict) -> None:
        options = network.get("Options") or {}
        if network.get("Driver") != "bridge" or \
                options.get("com.docker.network.bridge.enable_icc") != "false":
            raise EngineError(f"network {name!r} exists but is not a bridge with "
                              "inter-container traffic disabled; remove it or pick another "
                              "RUNTIME_BOT_NETWORK", permanent=True)

    def remove_network(self) -> None:
        """Delete the bot network (teardown; fails quietly while bots still use it)."""
        name = self.network_name()
        self._network_ready = None
        if name == HOST_NETWORK:
            return
        with contextlib.suppress(NotFound, EngineError):
            self._call("network-remove", self.api.remove_network, name)

    # --- secrets as files ------------------------------------------------------------------------
    def secrets_root(self) -> Path:
        configured = str(getattr(settings, "RUNTIME_SECRETS_DIR", "") or "").strip()
        return Path(configured) if configured else Path(settings.VAR_DIR) / "bot-secrets"

    def _write_secrets(self, spec: BotSpec, files: dict[str, str]) -> str:
        """A fresh directory of 0400 files for this bot; returns its host path."""
        root = self.secrets_root()
        root.mkdir(parents=True, exist_ok=True)
        os.chmod(root, 0o700)  # nobody but the controller (and root) walks in
        target = root / spec.name
        staging = root / f".{spec.name}.{uuid.uuid4().hex[:8]}"
        staging.mkdir(mode=0o700)
        as_root = os.geteuid() == 0
        for filename, value in files.items():
            path = staging / filename
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
            with os.fdopen(fd, "w") as handle:
                handle.write(value)
            if as_root:
                os.chown(path, BOT_UID, BOT_UID)
            else:  # the bot's uid cannot own it: readable inside the 0700 root only
                os.chmod(path, 0o444)
        if as_root:
            os.chown(staging, BOT_UID, BOT_UID)
            os.chmod(staging, 0o500)
        else:
            os.chmod(staging, 0o555)  # noqa: S103 - inside the 0700 root
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
        return str(target)

    def _drop_secrets(self, tenant_id: int | None = None) -> None:
        root = self.secrets_root()
        if not root.is_dir():
            return
        pattern = f"{self.namespace}-bot-{tenant_id if tenant_id is not None else '*'}"
        for path in [*root.glob(pattern), *root.glob(f".{pattern}.*")]:
            if tenant_id is None and not path.name.lstrip(".").split("-bot-", 1)[-1] \
                    .split(".", 1)[0].isdigit():
                continue
            shutil.rmtree(path, ignore_errors=True)

    # --- the container ----------------------------------------------------------------------------
    def host_config(self, spec: BotSpec, secrets_path: str | None = None) -> dict:
        memory = spec.memory_mb * 1024 * 1024
        binds = {secrets_path: {"bind": SECRETS_DIR, "mode": "ro"}} if secrets_path else None
        return self.api.create_host_config(
            network_mode=self.ensure_network(),
            binds=binds,
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
        env, files = split_secrets(spec.env)
        secrets_path = self._write_secrets(spec, files) if files else None
        try:
            created = self._create(spec, env, secrets_path)
        except NotFound:  # the network vanished under us: make it again, once
            self._network_ready = None
            created = self._create(spec, env, secrets_path)
        ref = created["Id"]
        try:
            self._call("start", self.api.start, ref)
        except EngineError:
            self._remove_ref(ref)
            self._drop_secrets(spec.tenant_id)
            raise
        return Instance(tenant_id=spec.tenant_id, ref=ref, spec_hash=spec.spec_hash,
                        running=True, started_at=datetime.now(UTC), status="running")

    def _create(self, spec: BotSpec, env: dict[str, str], secrets_path: str | None) -> dict:
        try:
            return self._call(
                "create", self.api.create_container, spec.image, name=spec.name, user=BOT_USER,
                environment=env, labels=self.labels(spec),
                host_config=self.host_config(spec, secrets_path), detach=True,
                stop_signal="SIGTERM",
            )
        except EngineError:
            self._drop_secrets(spec.tenant_id)
            raise

    def _by_tenant(self, tenant_id: int) -> list[Instance]:
        rows = self._call("list", self.api.containers, all=True,
                          filters=self._filters(tenant_id))
        return [Instance(tenant_id=tenant_id, ref=r["Id"], spec_hash="", running=False)
                for r in rows]

    def remove(self, instance: Instance) -> None:
        self._remove_ref(instance.ref)
        self._drop_secrets(instance.tenant_id)

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
        self._drop_secrets()
        return len(rows)
