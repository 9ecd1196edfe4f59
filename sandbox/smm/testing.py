"""Run the SMM panel emulator on a free port in a background thread (tests, benchmarks).

with SmmSandbox() as panel:
    panel.api_url      # what a shop sets as its panel URL
    panel.force(order_id, status="Partial", remains=100)
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Self, TypeVar

from sandbox._threaded import ThreadedApp

from .app import create_app
from .emulator import Emulator

T = TypeVar("T")
TIMEOUT = 10.0


class SmmSandbox:
    def __init__(self, *, api_key: str = "smm-sandbox-key") -> None:
        self.emulator = Emulator(api_key=api_key)
        self._host = ThreadedApp(lambda: create_app(emulator=self.emulator),
                                 name="SMM sandbox")
        self.url = ""

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/v2"

    @property
    def api_key(self) -> str:
        return self.emulator.api_key

    def __enter__(self) -> Self:
        self._host.start(TIMEOUT)
        self.url = self._host.url
        return self

    def __exit__(self, *exc: object) -> None:
        self._host.stop(TIMEOUT)

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn` on the emulator's loop (its state is loop-confined); a deep copy back."""
        return self._host.call(lambda: copy.deepcopy(fn(*args, **kwargs)))

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
