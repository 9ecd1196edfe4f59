"""Test helpers: run the emulator in a background thread, and receive its webhooks.

Both are synchronous so plain (and Django) tests can use them. Nothing sleeps: readiness
and "wait until N webhooks" are threading.Event/Condition waits with timeouts.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self, TypeVar
from urllib.parse import parse_qsl, urlsplit

import mercadopago

from sandbox._threaded import ThreadedApp

from .app import create_app
from .client import BaseUrlHttpClient
from .control import apply_switches
from .emulator import Emulator
from .httputil import dumps
from .store import SandboxConfig

T = TypeVar("T")
DEFAULT_TIMEOUT = 10.0


class MercadoPagoSandbox:
    """The emulator on a free 127.0.0.1 port, with a sync facade over its state.

    with MercadoPagoSandbox() as mp:
        sdk = mp.sdk("TEST-abc")
        ...
        mp.approve(payment_id)
    """

    def __init__(self, config: SandboxConfig | None = None, host: str = "127.0.0.1") -> None:
        # Tests want fast webhook retries by default; callers can pass their own config.
        self.config = config or SandboxConfig(retry_schedule=[0.0, 0.0], webhook_timeout=2.0)
        self.host = host
        self.emulator = Emulator(self.config)
        self._host = ThreadedApp(lambda: create_app(emulator=self.emulator),
                                 name="Mercado Pago sandbox", host=host)
        self.url = ""

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, timeout: float = DEFAULT_TIMEOUT) -> MercadoPagoSandbox:
        self._host.start(timeout)
        self.url = self._host.url
        return self

    def stop(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._host.stop(timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- running things on the emulator's loop ---------------------------------------------
    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn`` on the emulator loop (its state is loop-confined) and return its value."""
        return self._host.call(fn, *args, **kwargs)

    def snapshot(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Like call(), but returns a JSON copy so callers never share live loop state."""
        return self.call(lambda: json.loads(dumps(fn(*args))))

    def sdk(self, access_token: str = "TEST-sandbox-token") -> mercadopago.SDK:
        return mercadopago.SDK(access_token, http_client=BaseUrlHttpClient(self.url))

    # -- control ---------------------------------------------------------------------------
    def register_account(self, access_token: str, **kwargs: Any) -> dict[str, Any]:
        return self.call(
            lambda: self.emulator.store.register_account(access_token, **kwargs).public()
        )

    def approve(self, payment_id: int | str) -> dict[str, Any]:
        return self.snapshot(self.emulator.approve, payment_id)

    def reject(
        self, payment_id: int | str, detail: str = "cc_rejected_other_reason"
    ) -> dict[str, Any]:
        return self.snapshot(self.emulator.reject, payment_id, detail)

    def expire(self, payment_id: int | str) -> dict[str, Any]:
        return self.snapshot(self.emulator.expire, payment_id)

    def cancel(self, payment_id: int | str) -> dict[str, Any]:
        return self.snapshot(self.emulator.cancel, payment_id)

    def refund(self, payment_id: int | str, amount: Any = None) -> dict[str, Any]:
        return self.snapshot(self.emulator.refund, payment_id, amount)

    def charge_back(self, payment_id: int | str) -> dict[str, Any]:
        return self.snapshot(self.emulator.charge_back, payment_id)

    def open_chargeback(self, payment_id: int | str, amount: Any = None,
                        reason: str = "fraud") -> dict[str, Any]:
        return self.snapshot(self.emulator.disputes.open_chargeback, payment_id, amount, reason)

    def resolve_chargeback(self, chargeback_id: str, *, won: bool) -> dict[str, Any]:
        return self.snapshot(lambda: self.emulator.disputes.resolve_chargeback(chargeback_id,
                                                                               won=won))

    def open_med(self, payment_id: int | str) -> dict[str, Any]:
        return self.snapshot(self.emulator.disputes.open_med, payment_id)

    def resolve_med(self, claim_id: int | str, *, won: bool) -> dict[str, Any]:
        return self.snapshot(lambda: self.emulator.disputes.resolve_med(claim_id, won=won))

    def mediation(self, payment_id: int | str) -> dict[str, Any]:
        return self.snapshot(self.emulator.mediation, payment_id)

    def payment(self, payment_id: int | str) -> dict[str, Any]:
        return self.snapshot(self.emulator.payment, payment_id)

    def authorize_preapproval(self, preapproval_id: str, fail: bool = False) -> dict[str, Any]:
        """The buyer entered a card on the subscription's checkout page."""
        return self.snapshot(lambda: self.emulator.preapprovals.authorize(preapproval_id,
                                                                          fail=fail))

    def charge_due_preapprovals(self, fail: bool = False) -> list[dict[str, Any]]:
        return self.snapshot(lambda: self.emulator.preapprovals.charge_due(fail=fail))

    def preapproval(self, preapproval_id: str) -> dict[str, Any]:
        return self.snapshot(self.emulator.preapprovals.get, preapproval_id)

    def advance_clock(self, seconds: float) -> str:
        return self.call(self.emulator.advance_clock, seconds)

    def set_switches(self, **switches: Any) -> None:
        self.call(apply_switches, self.emulator, switches)

    def flush_notifications(self) -> int:
        return self.call(self.emulator.notifier.flush_held)

    def reset(self) -> None:
        self.call(self.emulator.reset)

    def notifications(self) -> list[dict[str, Any]]:
        """Snapshot (deep copy) of every notification record and its attempts."""
        return self.snapshot(self.emulator.notifier.public_records)

    def wait_for_notifications(
        self,
        predicate: Callable[[list[dict[str, Any]]], bool],
        timeout: float = DEFAULT_TIMEOUT,
    ) -> list[dict[str, Any]]:
        """Block until ``predicate(notifications())`` holds; raise TimeoutError otherwise."""
        changed = self.emulator.notifier.changed
        deadline = time.monotonic() + timeout
        while True:
            with changed:
                version = self.emulator.notifier.version
            records = self.notifications()  # taken outside the lock: it hops threads
            if predicate(records):
                return records
            remaining = deadline - time.monotonic()
            with changed:
                if remaining <= 0 or not changed.wait_for(
                    lambda seen=version: self.emulator.notifier.version != seen, remaining
                ):
                    raise TimeoutError(f"notifications never matched; last: {records}")


@dataclass
class ReceivedWebhook:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any]
    raw: bytes = b""


@dataclass
class WebhookReceiver:
    """A tiny HTTP server that records webhooks and answers with scripted status codes.

    ``responses`` is consumed one per request (then 200). ``block_first`` makes the first
    request wait on ``release`` (until released or ``block_timeout``) to provoke timeouts.
    """

    responses: list[int] = field(default_factory=list)
    block_first: bool = False
    block_timeout: float = 5.0
    received: list[ReceivedWebhook] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/webhooks/mercadopago"
        # short poll interval: shutdown() waits up to one interval
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True, name="webhook-receiver"
        )

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        if self._thread.is_alive():  # shutdown() would block forever if never served
            self._server.shutdown()
        self._server.server_close()

    def _record(self, hook: ReceivedWebhook) -> tuple[int, bool]:
        with self._cond:
            self.received.append(hook)
            first = len(self.received) == 1
            status = self.responses.pop(0) if self.responses else 200
            self._cond.notify_all()
        return status, first and self.block_first

    def wait_for(self, count: int, timeout: float = DEFAULT_TIMEOUT) -> list[ReceivedWebhook]:
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.received) >= count, timeout):
                raise TimeoutError(f"got {len(self.received)} webhooks, expected {count}")
            return list(self.received)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = urlsplit(self.path)
                hook = ReceivedWebhook(
                    path=parts.path,
                    query=dict(parse_qsl(parts.query)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=json.loads(raw or b"{}"),
                    raw=raw,
                )
                status, block = receiver._record(hook)
                if block:
                    receiver.release.wait(receiver.block_timeout)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        return Handler
