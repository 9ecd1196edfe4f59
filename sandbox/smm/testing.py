"""Run the SMM panel emulator on a free port in a background thread (tests, benchmarks).

with SmmSandbox() as panel:
    panel.api_url      # what a shop sets as its panel URL
    panel.force(order_id, status="Partial", remains=100)
"""

from __future__ import annotations

import asyncio
import copy
import socket
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Self, TypeVar

from aiohttp import web

from .app import create_app
from .emulator import Emulator

T = TypeVar("T")
TIMEOUT = 10.0


class SmmSandbox:
    def __init__(self, *, api_key: str = "smm-sandbox-key") -> None:
        self.emulator = Emulator(api_key=api_key)
        self.url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/v2"

    @property
    def api_key(self) -> str:
        return self.emulator.api_key

    def __enter__(self) -> Self:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._run, args=(sock,), daemon=True,
                                        name="smm-sandbox")
        self._thread.start()
        if not self._ready.wait(TIMEOUT):
            raise RuntimeError("SMM sandbox did not start")
        return self

    def _run(self, sock: socket.socket) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)

        async def serve() -> None:
            self._runner = web.AppRunner(create_app(emulator=self.emulator), access_log=None)
            await self._runner.setup()
            await web.SockSite(self._runner, sock).start()

        loop.run_until_complete(serve())
        self._ready.set()
        loop.run_forever()
        loop.close()

    def __exit__(self, *exc: object) -> None:
        if self._loop is None or self._runner is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(TIMEOUT)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(TIMEOUT)

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn` on the emulator's loop (its state is loop-confined); a deep copy back."""
        assert self._loop is not None

        async def runner() -> T:
            return copy.deepcopy(fn(*args, **kwargs))

        return asyncio.run_coroutine_threadsafe(runner(), self._loop).result(TIMEOUT)

    def force(self, order_id: int | str, *, status: str,
              remains: int | None = None) -> dict[str, Any]:
        return self.call(self.emulator.force, int(order_id), status=status, remains=remains)

    def order(self, order_id: int | str) -> dict[str, Any]:
        def read() -> dict[str, Any]:
            order = self.emulator.orders[int(order_id)]
            return {**order.public(), "link": order.link, "quantity": order.quantity,
                    "service": order.service.service}
        return self.call(read)

    def calls(self, action: str | None = None) -> list[dict[str, str]]:
        return [c for c in self.call(lambda: self.emulator.calls)
                if action is None or c.get("action") == action]

    def set_balance(self, balance: str) -> None:
        def set_() -> None:
            self.emulator.balance = Decimal(balance)
        self.call(set_)

    def outage(self, calls: int) -> None:
        def set_() -> None:
            self.emulator.fail_next = calls
        self.call(set_)
