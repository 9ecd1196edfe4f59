"""Bots as local processes: `make run` and development without an engine.

Each bot runs as `sh -c '<python> -m bot; echo $? > exit-file'` in its own session, so its exit
code is recorded even when the controller itself has restarted in between; the state directory
(one JSON file per tenant) plays the engine's part and is listed in one directory scan. The
marker argument (`<namespace>-bot-<tenant>`) in the process's command line guards against pid
reuse. No resource limits here: isolation and limits are the docker/swarm backends' job.

Own sessions keep bots out of the supervisor's signals, so the controller worker ties them to
its own life instead (runtime/lifecycle.py): `stop_all()` when it shuts down (Ctrl-C on
`make run`), `sweep()` when it starts: a bot with its state file is adopted, a process that
carries our marker but no record (its worker was killed before it could write or stop it) is
stopped.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from runtime.backends.base import BotSpec, CallCounter, EngineError, Instance, Stats

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ('exec >>"$VITRINE_LOG" 2>&1; "$VITRINE_PYTHON" -m bot; code=$?; '
          'echo "$code" > "$VITRINE_EXIT.tmp" && mv "$VITRINE_EXIT.tmp" "$VITRINE_EXIT"; '
          'exit "$code"')
_children: dict[int, subprocess.Popen] = {}  # reaped on poll; other pids found through /proc


def _now() -> datetime:
    return datetime.now(UTC)


class ProcessBackend:
    name = "process"

    def __init__(self, *, namespace: str, state_dir: Path | None = None,
                 python: str | None = None, stop_grace: float = 5.0) -> None:
        self.namespace = namespace
        self.state_dir = Path(state_dir or Path(settings.VAR_DIR) / "runtime" / namespace)
        self.python = python or sys.executable
        self.stop_grace = stop_grace
        self.counter = CallCounter()

    # --- files --------------------------------------------------------------------------------
    def _paths(self, tenant_id: int) -> dict[str, Path]:
        base = self.state_dir / str(tenant_id)
        return {"state": base.with_suffix(".json"), "log": base.with_suffix(".log"),
                "exit": base.with_suffix(".exit")}

    def _marker(self, tenant_id: int) -> str:
        return f"{self.namespace}-bot-{tenant_id}"

    def _alive(self, pid: int, marker: str) -> bool:
        child = _children.get(pid)
        if child is not None:
            # Our own child: waitpid is exact (right after exec, /proc's cmdline can lag).
            return child.poll() is None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        return marker.encode() in cmdline and stat.rsplit(")", 1)[1].split()[0] != "Z"

    def _instance(self, state: dict) -> Instance:
        tenant_id = int(state["tenant_id"])
        paths = self._paths(tenant_id)
        running = self._alive(int(state["pid"]), self._marker(tenant_id))
        exit_code, finished = None, None
        if not running:
            try:
                exit_code = int(paths["exit"].read_text().strip())
                finished = datetime.fromtimestamp(paths["exit"].stat().st_mtime, UTC)
            except (OSError, ValueError):
                exit_code, finished = -1, None  # the supervisor shell itself was killed
        return Instance(
            tenant_id=tenant_id, ref=state["ref"], spec_hash=state["spec_hash"], running=running,
            exit_code=exit_code, started_at=datetime.fromisoformat(state["started_at"]),
            finished_at=finished, status="running" if running else "exited",
        )

    # --- interface ----------------------------------------------------------------------------
    def list(self) -> dict[int, Instance]:
        self.counter.add("list")
        found: dict[int, Instance] = {}
        try:
            entries = list(os.scandir(self.state_dir)) if self.state_dir.exists() else []
        except OSError as exc:
            raise EngineError(f"cannot read {self.state_dir}: {exc}") from exc
        for entry in entries:
            if entry.name.endswith(".json"):
                try:
                    state = json.loads(Path(entry.path).read_text())
                except (OSError, ValueError):
                    continue
                instance = self._instance(state)
                found[instance.tenant_id] = instance
        return found

    def inspect(self, instance: Instance) -> Instance:
        self.counter.add("inspect")
        return instance

    def start(self, spec: BotSpec) -> Instance:
        self.counter.add("start")
        existing = self.list().get(spec.tenant_id)
        if existing is not None:
            self.remove(existing)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        paths = self._paths(spec.tenant_id)
        paths["exit"].unlink(missing_ok=True)
        paths["log"].write_text("")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1",
               "VITRINE_LOG": str(paths["log"]), "VITRINE_EXIT": str(paths["exit"]),
               "VITRINE_PYTHON": self.python, **spec.env}
        try:
            child = subprocess.Popen(  # noqa: S603 - fixed argv; values go through env
                ["/bin/sh", "-c", SCRIPT, self._marker(spec.tenant_id)], env=env, cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            raise EngineError(f"cannot start the bot process: {exc}", permanent=True) from exc
        _children[child.pid] = child
        started = _now()
        state = {"tenant_id": spec.tenant_id, "pid": child.pid, "ref": f"pid-{child.pid}",
                 "spec_hash": spec.spec_hash, "started_at": started.isoformat(),
                 "labels": spec.labels}
        tmp = paths["state"].with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        tmp.replace(paths["state"])
        return Instance(tenant_id=spec.tenant_id, ref=state["ref"], spec_hash=spec.spec_hash,
                        running=True, started_at=started, status="running")

    def remove(self, instance: Instance) -> None:
        self.counter.add("remove")
        paths = self._paths(instance.tenant_id)
        pid = int(instance.ref.removeprefix("pid-"))
        if self._alive(pid, self._marker(instance.tenant_id)):
            self._signal(pid, signal.SIGTERM)
            if not self._wait_dead(pid, instance.tenant_id, self.stop_grace):
                self._signal(pid, signal.SIGKILL)
                self._wait_dead(pid, instance.tenant_id, 5.0)
        for path in paths.values():
            path.unlink(missing_ok=True)

    def _signal(self, pid: int, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)  # the session's group: the shell and the bot

    def _wait_dead(self, pid: int, tenant_id: int, timeout: float) -> bool:
        child = _children.pop(pid, None)
        if child is not None:
            try:
                child.wait(timeout=timeout)
                return True
            except subprocess.TimeoutExpired:
                _children[pid] = child
                return False
        done = threading.Event()
        deadline = timeout
        while deadline > 0:
            if not self._alive(pid, self._marker(tenant_id)):
                return True
            done.wait(0.05)
            deadline -= 0.05
        return not self._alive(pid, self._marker(tenant_id))

    def logs(self, instance: Instance, *, tail: int = 200) -> str:
        self.counter.add("logs")
        try:
            lines = self._paths(instance.tenant_id)["log"].read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(lines.splitlines()[-tail:])

    def stats(self, instance: Instance) -> Stats | None:
        self.counter.add("stats")
        pid = int(instance.ref.removeprefix("pid-"))
        total = 0
        for p in [pid, *_descendants(pid)]:
            try:
                for line in Path(f"/proc/{p}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                continue
        return Stats(memory_bytes=total or None)

    def ping(self) -> None:
        self.counter.add("ping")

    def version(self) -> str:
        self.counter.add("version")
        return f"local processes (Python {platform.python_version()})"

    def stop_all(self, grace: float = 3.0) -> int:
        """Stop every bot of this namespace at once (SIGTERM, then SIGKILL after `grace`) and
        forget them: the next start begins from a clean slate and reconcile starts what
        should run. Returns how many were running."""
        instances = [i for i in self.list().values() if i.running]
        pids = {int(i.ref.removeprefix("pid-")): i.tenant_id for i in instances}
        self._stop_groups(pids, grace)
        for tenant_id in {i.tenant_id for i in self.list().values()}:
            for path in self._paths(tenant_id).values():
                path.unlink(missing_ok=True)
        return len(instances)

    def sweep(self, grace: float = 3.0) -> dict[str, int]:
        """At controller start: adopt the bots whose state file names them, stop the others
        that carry this namespace's marker (orphans of a worker that died hard)."""
        recorded = {int(i.ref.removeprefix("pid-")) for i in self.list().values() if i.running}
        strays = {pid: tenant for pid, tenant in self._marked_processes().items()
                  if pid not in recorded}
        self._stop_groups(strays, grace)
        return {"adopted": len(recorded), "stopped": len(strays)}

    def _marked_processes(self) -> dict[int, int]:
        """pid -> tenant id of every live supervisor shell whose argv[0] is our marker."""
        prefix = f"{self.namespace}-bot-".encode()
        found: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            # ["/bin/sh", "-c", SCRIPT, marker]: the marker is the shell's $0.
            if len(argv) >= 4 and argv[:2] == [b"/bin/sh", b"-c"] and argv[3].startswith(prefix):
                tail = argv[3][len(prefix):]
                if (tail.isdigit() and self._ours(entry)
                        and self._alive(int(entry.name), argv[3].decode())):
                    found[int(entry.name)] = int(tail)
        # A supervisor shell forking (a subshell, or the instant before a child's exec) shows a
        # second process with the same argv: only the outermost of each tree is a bot.
        return {pid: tenant for pid, tenant in found.items() if _ppid(pid) not in found}

    def _ours(self, entry: Path) -> bool:
        """Started for this state directory (another `make run` or test run on the machine
        may use the same namespace): its log file lives here."""
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            return False
        mine = f"VITRINE_LOG={self.state_dir}/".encode()
        return any(item.startswith(mine) for item in environ)

    def _stop_groups(self, pids: dict[int, int], grace: float) -> None:
        for pid in pids:
            self._signal(pid, signal.SIGTERM)
        for pid, tenant_id in pids.items():
            if not self._wait_dead(pid, tenant_id, grace):
                self._signal(pid, signal.SIGKILL)
                self._wait_dead(pid, tenant_id, 5.0)

    def remove_all(self) -> int:
        instances = self.list()
        for instance in instances.values():
            self.remove(instance)
        return len(instances)


def _descendants(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    found = [int(c) for c in children]
    for child in list(found):
        found.extend(_descendants(child))
    return found


def _ppid(pid: int) -> int:
    """The parent's pid from /proc/<pid>/stat (0 when the process is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after it.
    return int(stat.rsplit(")", 1)[1].split()[1])
