"""Run the Stripe emulator on a free port in a background thread (tests, benchmarks).

with StripeSandbox(webhook_url=..., secrets=["whsec_a"]) as sandbox:
    sandbox.url  # the SDK's api base
    sandbox.pay(session_id)
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, Self, TypeVar

from sandbox._threaded import ThreadedApp

from .app import Endpoint, Notifier, create_app
from .emulator import Emulator

T = TypeVar("T")
TIMEOUT = 10.0


class StripeSandbox:
    def __init__(self, *, webhook_url: str = "", secrets: list[str] | None = None,
                 retry_schedule: list[float] | None = None, hold: bool = False) -> None:
        self.emulator = Emulator()
        self.notifier = Notifier(retry_schedule=retry_schedule if retry_schedule is not None
                                 else [0.0, 0.0], timeout=2.0, hold=hold)
        if webhook_url:
            self.notifier.endpoints.append(Endpoint(url=webhook_url,
                                                    secrets=secrets or ["whsec_test"]))
        self._host = ThreadedApp(lambda: create_app(emulator=self.emulator,
                                                    notifier=self.notifier),
                                 name="Stripe sandbox")
        self.url = ""

    def __enter__(self) -> Self:
        self._host.start(TIMEOUT)
        self.url = self._host.url
        return self

    def __exit__(self, *exc: object) -> None:
        self._host.stop(TIMEOUT)

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn` on the emulator's loop (its state is loop-confined); a deep copy back."""
        return self._host.call(lambda: copy.deepcopy(fn(*args, **kwargs)))

    def pay(self, session_id: str, *, decline: bool = False) -> dict[str, Any]:
        return self.call(self.emulator.pay, session_id, decline=decline)

    def expire(self, session_id: str) -> dict[str, Any]:
        return self.call(self.emulator.expire_session, session_id)

    def refund(self, payment_intent: str, amount: int | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {"payment_intent": payment_intent}
        if amount is not None:
            params["amount"] = str(amount)
        return self.call(self.emulator.create_refund, params)

    def open_dispute(self, payment_intent: str, reason: str = "fraudulent") -> dict[str, Any]:
        return self.call(lambda: dict(self.emulator.open_dispute(payment_intent=payment_intent,
                                                                  reason=reason)))

    def close_dispute(self, dispute_id: str, *, won: bool) -> dict[str, Any]:
        return self.call(lambda: dict(self.emulator.close_dispute(dispute_id, won=won)))

    def advance_clock(self, seconds: float) -> None:
        def move() -> None:
            self.emulator.clock_offset += seconds
            self.emulator.expire_due()
        self.call(move)

    def events(self) -> list[dict[str, Any]]:
        return self.call(lambda: self.emulator.events)

    def deliveries(self) -> list[dict[str, Any]]:
        return self.call(lambda: self.notifier.deliveries)

    def flush(self) -> int:
        return self.call(self.notifier.flush)

    def held(self) -> list[dict[str, Any]]:
        return self.call(lambda: [event for _, event in self.notifier.held])
