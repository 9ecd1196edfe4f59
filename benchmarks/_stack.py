"""`make run` itself, as a newcomer starts it: for the walkthrough test and the demo benchmark.

`make run` runs with a shell's bare environment (PATH, HOME, LANG: nothing of the test suite's
PostgreSQL, Redis or keys), so every embedded default applies: SQLite, the kombu filesystem
broker and the keys in a temporary VAR_DIR, the sandboxes, bots as local processes. Ports are
free ones, so it never meets a developer's own `make run`. Readiness is read from honcho's
output (one line per process), then confirmed over HTTP. `stop()` is Ctrl-C: SIGINT to make's
process group, as a terminal sends it. `leftovers()` lists every process still carrying this
VAR_DIR in its command line or environment (web, worker, beat, sandboxes and bots all do).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

from benchmarks._harness import free_port

ROOT = Path(__file__).resolve().parents[1]
KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "USER", "TMPDIR", "TERM")
# One line per Procfile process once it serves (honcho prefixes "<time> <name>.1 | ").
READY = {
    "web": re.compile(r"web\.1\s+\| .*Starting development server"),
    "worker": re.compile(r"worker\.1\s+\| .*ready\."),
    "beat": re.compile(r"beat\.1\s+\| .*beat: Starting"),
    "discord": re.compile(r"discord\.1\s+\| .*(listening|serving|http://)", re.I),
    "mercadopago": re.compile(r"mercadopago\.1\s+\| .*(listening|serving|http://)", re.I),
}


class MakeRun:
    def __init__(self, var_dir: Path, *, extra_env: dict[str, str] | None = None) -> None:
        self.var_dir = Path(var_dir)
        self.ports = {"WEB_PORT": free_port(), "DISCORD_SANDBOX_PORT": free_port(),
                      "MERCADOPAGO_SANDBOX_PORT": free_port(), "STRIPE_SANDBOX_PORT": free_port(),
                      "SMM_SANDBOX_PORT": free_port()}
        self.env = {k: os.environ[k] for k in KEEP if k in os.environ}
        self.env.update({"VAR_DIR": str(self.var_dir), "PYTHONUNBUFFERED": "1",
                         **{k: str(v) for k, v in self.ports.items()}, **(extra_env or {})})
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.proc: subprocess.Popen | None = None

    # --- URLs -------------------------------------------------------------------------------
    @property
    def web(self) -> str:
        return f"http://127.0.0.1:{self.ports['WEB_PORT']}"

    @property
    def discord(self) -> str:
        return f"http://127.0.0.1:{self.ports['DISCORD_SANDBOX_PORT']}"

    @property
    def mercadopago(self) -> str:
        return f"http://127.0.0.1:{self.ports['MERCADOPAGO_SANDBOX_PORT']}"

    # --- life -------------------------------------------------------------------------------
    def start(self, timeout: float = 180) -> MakeRun:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        # -o: the venv is installed already (make test's install-dev step just ran).
        self.proc = subprocess.Popen(
            ["make", "--no-print-directory", "-o", ".venv/.installed", "run"], cwd=ROOT,
            env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, bufsize=1, start_new_session=True)
        threading.Thread(target=self._read, name="make-run-output", daemon=True).start()
        deadline = time.monotonic() + timeout
        for name, pattern in READY.items():
            self.wait_line(pattern, max(1.0, deadline - time.monotonic()), what=name)
        for url in (f"{self.web}/readyz", f"{self.discord}/console",
                    f"{self.mercadopago}/_sandbox/"):
            _answers(url, max(1.0, deadline - time.monotonic()))
        return self

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self.lines.append("<make run exited>")
            self._changed.notify_all()

    def wait_line(self, pattern: re.Pattern[str] | str, timeout: float, what: str = "",
                  start: int = 0) -> str:
        """The first output line (from index `start`) matching `pattern`; woken per line."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        found: list[str] = []

        def seen() -> bool:
            found[:] = [ln for ln in self.lines[start:] if regex.search(ln)][:1]
            return bool(found) or "<make run exited>" in self.lines[-1:]

        with self._changed:
            self._changed.wait_for(seen, timeout)
        if not found:
            tail = "\n".join(self.lines[-40:])
            raise RuntimeError(f"make run: no line for {what or regex.pattern} within "
                               f"{timeout:.0f}s; last output:\n{tail}")
        return found[0]

    def stop(self, timeout: float = 30) -> int:
        """Ctrl-C: SIGINT to make's process group; the exit code once everything stopped."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        os.killpg(self.proc.pid, signal.SIGINT)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        """Last resort in teardown: SIGKILL whatever of this run is left."""
        for pid in [*([self.proc.pid] if self.proc else []), *self.leftovers()]:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(10)

    def leftovers(self) -> list[int]:
        """Live processes (not zombies) whose command line or environment names our VAR_DIR."""
        needle = str(self.var_dir).encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                stat = (entry / "stat").read_text()
                if stat.rsplit(")", 1)[1].split()[0] == "Z":
                    continue
                if needle in (entry / "cmdline").read_bytes() or \
                        needle in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except (OSError, IndexError):
                continue
        return found

    def process_env(self, argv_part: str) -> dict[str, str]:
        """The environment of the run's process whose command line contains `argv_part`
        (e.g. "runserver"): exactly what `make run` gave it."""
        for pid in self.leftovers():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                if argv_part.encode() in cmdline:
                    raw = Path(f"/proc/{pid}/environ").read_bytes()
                    return dict(item.split("=", 1) for item in raw.decode().split("\0")
                                if "=" in item)
            except OSError:
                continue
        raise RuntimeError(f"no process of this run runs {argv_part!r}")


def _answers(url: str, timeout: float) -> None:
    """The server already said it serves; allow it the moment between logging and bind."""
    import requests

    pause = threading.Event()  # never set: wait() is a short pause between attempts
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} never answered 200")
        pause.wait(0.1)
