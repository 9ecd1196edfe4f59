"""An in-memory engine at the backend seam, for the controller's rules (fast, exact clock)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from runtime.backends.base import BotSpec, CallCounter, EngineError, Instance, Stats

_ids = itertools.count(1)


class FakeBackend:
    name = "fake"

    def __init__(self) -> None:
        self.counter = CallCounter()
        self.instances: dict[int, Instance] = {}
        self.specs: dict[int, BotSpec] = {}
        self.unreachable = False
        self.started: list[int] = []
        self.removed_duplicates: list[str] = []

    def _check(self, call: str) -> None:
        self.counter.add(call)
        if self.unreachable:
            raise EngineError("engine unreachable (fake)")

    def list(self) -> dict[int, Instance]:
        self._check("list")
        return {k: Instance(**{**v.__dict__, "duplicates": list(v.duplicates)})
                for k, v in self.instances.items()}

    def inspect(self, instance: Instance) -> Instance:
        self._check("inspect")
        return Instance(**self.instances.get(instance.tenant_id, instance).__dict__)

    def start(self, spec: BotSpec) -> Instance:
        self._check("start")
        now = datetime.now(UTC)
        instance = Instance(tenant_id=spec.tenant_id, ref=f"c{next(_ids)}",
                            spec_hash=spec.spec_hash, running=True, started_at=now)
        self.instances[spec.tenant_id] = instance
        self.specs[spec.tenant_id] = spec
        self.started.append(spec.tenant_id)
        return Instance(**instance.__dict__)

    def remove(self, instance: Instance) -> None:
        self._check("remove")
        known = self.instances.get(instance.tenant_id)
        if known is not None and instance.ref in known.duplicates:
            known.duplicates.remove(instance.ref)  # a second bot of the tenant
            self.removed_duplicates.append(instance.ref)
            return
        self.instances.pop(instance.tenant_id, None)

    def logs(self, instance: Instance, *, tail: int = 200) -> str:
        self._check("logs")
        return "line\n" * 3

    def stats(self, instance: Instance) -> Stats | None:
        self._check("stats")
        return Stats(memory_bytes=40 << 20, memory_limit_bytes=128 << 20, cpu_percent=1.5)

    def ping(self) -> None:
        self._check("ping")

    def version(self) -> str:
        self._check("version")
        return "fake engine 1.0"

    def remove_all(self) -> int:
        count = len(self.instances)
        self.instances.clear()
        return count

    # --- what happens to a bot -----------------------------------------------------------
    def exit(self, tenant_id: int, code: int, *, oom: bool = False, ran_seconds: float = 1):
        instance = self.instances[tenant_id]
        instance.running, instance.exit_code, instance.oom_killed = False, code, oom
        instance.finished_at = instance.started_at.__class__.fromtimestamp(
            instance.started_at.timestamp() + ran_seconds, UTC)
