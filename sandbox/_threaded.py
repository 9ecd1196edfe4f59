"""Host an aiohttp app on its own event loop in a daemon thread, for sync tests and benchmarks.

Every sandbox's `testing.py` drives its emulator from plain (and Django) tests, which have no
loop of their own: the app runs on a private loop in a thread, and `call()` runs a function on
that loop, because each emulator's state is confined to it. Readiness is an Event wait with a
timeout, never a sleep; a failure to bind or set up is raised by `start()`.

    host = ThreadedApp(lambda: create_app(emulator=emulator), name="SMM sandbox")
    host.start()
    host.url             # http://127.0.0.1:<free port>
    host.call(emulator.force, 1, status="Completed")
    host.stop()
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web

T = TypeVar("T")
TIMEOUT = 10.0


class ThreadedApp:
    """One aiohttp app on `host:port` (port 0: a free one, known once `start()` has bound it)."""

    def __init__(self, build: Callable[[], web.Application], *, name: str,
                 host: str = "127.0.0.1", port: int = 0, **runner_kwargs: Any) -> None:
        self.name = name
        self.host = host
        self.port = port
        self._requested_port = port  # 0 stays 0: a restart binds a fresh free port, as before
        self._build = build
        self._runner_kwargs: dict[str, Any] = {"access_log": None, **runner_kwargs}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = TIMEOUT) -> None:
        # Startable again after stop(): a fresh readiness event, no stale error.
        self._ready, self._error = threading.Event(), None
        sock = self._bind()
        self._thread = threading.Thread(target=self._run, args=(sock,), daemon=True,
                                        name=self.name.lower().replace(" ", "-"))
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError(f"{self.name} did not start")
        if self._error is not None:
            raise RuntimeError(f"{self.name} failed to start") from self._error

    def _bind(self) -> socket.socket:
        # Bound here, before the thread starts, so `url` is right as soon as start() returns.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if self._requested_port:  # a chosen port may still be in TIME_WAIT from its last run
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._requested_port))
        self.port = int(sock.getsockname()[1])
        return sock

    def _run(self, sock: socket.socket) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve(sock))
        except Exception as exc:  # surfaced by start()
            self._error = exc
            sock.close()
            self._ready.set()
            return
        self._ready.set()
        loop.run_forever()
        loop.close()

    async def _serve(self, sock: socket.socket) -> None:
        self._runner = web.AppRunner(self._build(), **self._runner_kwargs)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    def stop(self, timeout: float = TIMEOUT) -> None:
        """Clean the app up on its loop, then stop the loop; a no-op unless it is serving."""
        if self._loop is None or self._runner is None or not self._loop.is_running():
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout)

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn` on the app's loop (the emulator's state is loop-confined); its value back."""
        assert self._loop is not None, f"{self.name} not started"

        async def runner() -> T:
            return fn(*args, **kwargs)

        return asyncio.run_coroutine_threadsafe(runner(), self._loop).result(TIMEOUT)
