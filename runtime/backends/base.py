"""The one interface every runtime backend implements, and the values it speaks in.

A backend is a thin wrapper around one engine (local processes, the Docker engine, a Docker
Swarm). It knows nothing about tenants' rules: the controller decides, the backend does. Every
engine call has a timeout and fails with `EngineError`, whose `permanent` says whether retrying
can help (the pattern of Healthchecks' `TransportError(permanent=...)`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

LABEL_MANAGED = "io.vitrine.managed"
LABEL_NAMESPACE = "io.vitrine.namespace"
LABEL_TENANT = "io.vitrine.tenant"
LABEL_SPEC = "io.vitrine.spec-hash"
LABEL_BACKEND = "io.vitrine.backend"  # docker and swarm share an engine: never see each other

EXIT_MISCONFIGURED = 78  # EX_CONFIG from sysexits.h: bad token, missing intent.

# Secrets never travel as environment variables into a container (`docker inspect` would show
# them): the docker and swarm backends deliver each as a file under SECRETS_DIR and pass only
# its path, in <NAME>_FILE. The process backend keeps plain variables (same user, same host).
SECRET_FILES = {"DISCORD_TOKEN": "discord_token", "INSTANCE_TOKEN": "instance_token"}
SECRETS_DIR = "/run/secrets"
HOST_NETWORK = "host"


def split_secrets(env: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(environment without secrets but with their *_FILE paths, {file name: value}).

    Empty secrets are left out (Swarm refuses an empty secret); the bot reads a missing
    *_FILE as "not set"."""
    plain = {k: v for k, v in env.items() if k not in SECRET_FILES}
    files: dict[str, str] = {}
    for key, filename in SECRET_FILES.items():
        value = env.get(key, "")
        if value:
            files[filename] = value
            plain[f"{key}_FILE"] = f"{SECRETS_DIR}/{filename}"
    return plain, files


class EngineError(RuntimeError):
    """The engine failed or could not be reached; `permanent` is False when a retry may help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class BotSpec:
    """Everything that defines a tenant's container; its hash decides when to recreate."""

    namespace: str
    tenant_id: int
    image: str
    env: dict[str, str]
    memory_mb: int
    cpu_millis: int
    pids_limit: int
    log_max_size: str = "1m"
    log_max_files: int = 3
    tmpfs_mb: int = 16

    @property
    def name(self) -> str:
        return f"{self.namespace}-bot-{self.tenant_id}"

    @property
    def spec_hash(self) -> str:
        # Secrets enter only through their digest, so the label on the container leaks nothing.
        doc = {k: v for k, v in self.__dict__.items() if k != "env"}
        doc["env"] = {k: hashlib.sha256(v.encode()).hexdigest() for k, v in self.env.items()}
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:32]

    @property
    def labels(self) -> dict[str, str]:
        return {LABEL_MANAGED: "1", LABEL_NAMESPACE: self.namespace,
                LABEL_TENANT: str(self.tenant_id), LABEL_SPEC: self.spec_hash}


@dataclass
class Instance:
    """What the engine says about one tenant's bot."""

    tenant_id: int
    ref: str  # container id, service id or pid-file key
    spec_hash: str
    running: bool
    exit_code: int | None = None
    oom_killed: bool = False
    started_at: datetime | None = None
    finished_at: datetime | None = None
    status: str = ""  # the engine's own word, for the admin
    exit_id: str = ""  # what exited when it is not `ref` itself (swarm: the task)
    failures: int = 1  # failed attempts behind this exit (swarm restarts by itself first)
    restarting: bool = False  # the engine is bringing it back on its own (swarm)
    # Other live bots of the same tenant (refs), newest first: never more than one may run;
    # the controller removes them. Empty unless a race or a node's return left a second one.
    duplicates: list[str] = field(default_factory=list)

    @property
    def exit_key(self) -> str:
        """Identifies one exit, so it is recorded (and counted) once."""
        return (self.exit_id or self.ref)[:120]


@dataclass
class Stats:
    memory_bytes: int | None = None
    memory_limit_bytes: int | None = None
    cpu_percent: float | None = None


@dataclass
class CallCounter:
    calls: int = 0
    by_name: dict[str, int] = field(default_factory=dict)

    def add(self, name: str) -> None:
        self.calls += 1
        self.by_name[name] = self.by_name.get(name, 0) + 1


class Backend(Protocol):
    name: str
    counter: CallCounter

    def list(self) -> dict[int, Instance]:
        """Every managed bot of this namespace, keyed by tenant id, in ONE engine call.

        When a tenant has more than one live bot, the newest is returned and the others'
        refs are in its `duplicates`."""

    def inspect(self, instance: Instance) -> Instance:
        """Fill exit code / OOM / times for one instance (only for exits not yet recorded)."""

    def start(self, spec: BotSpec) -> Instance:
        """Create and start the bot; replaces whatever bot of that tenant exists."""

    def remove(self, instance: Instance) -> None:
        """Stop (SIGTERM, then SIGKILL after a grace period) and delete. Idempotent."""

    def logs(self, instance: Instance, *, tail: int = 200) -> str: ...

    def stats(self, instance: Instance) -> Stats | None: ...

    def ping(self) -> None:
        """Raise EngineError when the engine cannot be reached."""

    def version(self) -> str:
        """What the engine is, in a few words ("Docker 26.1.5"); raises EngineError."""

    def remove_all(self) -> int:
        """Remove every bot of this namespace (tests, teardown). Returns how many."""
