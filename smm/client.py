"""The one module that talks to SMM panels: the de-facto standard panel API (API v2 of
PerfectPanel and its clones). Every call is a form POST with `key` and `action`; answers are
JSON, and a refusal is `{"error": "..."}` (often with HTTP 200).

Errors become PanelError, whose `permanent` says whether trying again can help (Healthchecks'
TransportError idea). Reads are retried on transient failures with tenacity; writes (add,
refill, cancel) are retried only when the request never reached the panel (connect errors),
since a panel has no idempotency keys and a second "add" would order twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import requests
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from config import egress
from config.egress import EgressRefused, check_url

log = logging.getLogger(__name__)

TIMEOUT = (5, 20)  # connect, read (seconds)
ATTEMPTS = 3
MAX_BATCH = 100  # multi-status takes up to 100 ids
STATUSES = {"pending": "pending", "in progress": "in_progress", "processing": "processing",
            "completed": "completed", "partial": "partial", "canceled": "canceled",
            "cancelled": "canceled"}
# Panel refusals that go away by themselves (the owner tops up, the panel unlocks).
_TRANSIENT_WORDS = ("balance", "funds", "try again", "temporarily", "maintenance")
_WRITES = {"add", "refill", "cancel"}


class PanelError(Exception):
    def __init__(self, message: str, *, permanent: bool, sent: bool = True) -> None:
        super().__init__(message)
        self.message = message[:300]
        self.permanent = permanent
        # False when the panel surely did not apply the request (never reached it, or refused
        # it in words): safe to send again. True: it may have been applied.
        self.sent = sent


@dataclass(frozen=True)
class Status:
    status: str  # one of STATUSES' values
    charge: str = ""
    start_count: int | None = None
    remains: int | None = None


def _int(value: Any) -> int | None:
    try:
        return int(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        return None


def parse_status(data: Any) -> Status:
    if not isinstance(data, dict):
        raise PanelError("unexpected status answer", permanent=False)
    if "error" in data:
        raise PanelError(str(data["error"]), permanent=True)
    status = STATUSES.get(str(data.get("status", "")).strip().lower())
    if status is None:
        raise PanelError(f"unknown status {data.get('status')!r}", permanent=False)
    return Status(status=status, charge=str(data.get("charge") or "")[:30],
                  start_count=_int(data.get("start_count")), remains=_int(data.get("remains")))


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, PanelError) and not exc.permanent and getattr(exc, "_retry", False)


@dataclass
class PanelClient:
    url: str
    key: str
    timeout: tuple[float, float] = TIMEOUT

    # -- the wire ------------------------------------------------------------------------------
    @retry(retry=retry_if_exception(_retryable), stop=stop_after_attempt(ATTEMPTS),
           wait=wait_exponential(multiplier=0.2, max=2), reraise=True)
    def call(self, action: str, **params: Any) -> Any:
        data = {"key": self.key, "action": action, **{k: str(v) for k, v in params.items()}}
        try:
            check_url(self.url)  # the shop's panel must be a public address (SSRF)
        except EgressRefused as exc:
            raise PanelError(f"panel URL refused: {exc}", permanent=True, sent=False) from None
        try:
            response = egress.post(self.url, data=data, timeout=self.timeout)
        except EgressRefused as exc:  # the address it reached was not public: nothing sent
            raise PanelError(f"panel URL refused: {exc}", permanent=True, sent=False) from None
        except requests.ConnectionError as exc:
            # A connect failure (refused, DNS, connect timeout) never reached the panel.
            never_sent = isinstance(exc, requests.ConnectTimeout) or _refused(exc)
            raise _transient(f"panel unreachable ({type(exc).__name__})", action,
                             sent=not never_sent) from None
        except requests.RequestException as exc:  # read timeout: it may have been applied
            raise _transient(f"panel did not answer ({type(exc).__name__})", action,
                             sent=True) from None
        return _answer(response, action)

    # -- actions -------------------------------------------------------------------------------
    def services(self) -> list[dict[str, Any]]:
        data = self.call("services")
        if not isinstance(data, list):
            raise PanelError("unexpected services answer", permanent=False)
        return [row for row in data if isinstance(row, dict)]

    def add(self, *, service: int, link: str, quantity: int) -> str:
        data = self.call("add", service=service, link=link, quantity=quantity)
        order = data.get("order") if isinstance(data, dict) else None
        if order in (None, ""):
            raise PanelError("the panel did not return an order id", permanent=True)
        return str(order)

    def status(self, order: str) -> Status:
        return parse_status(self.call("status", order=order))

    def multi_status(self, orders: list[str]) -> dict[str, Status | PanelError]:
        """Up to MAX_BATCH orders in one call; each answer or its own error."""
        data = self.call("status", orders=",".join(orders[:MAX_BATCH]))
        if not isinstance(data, dict):
            raise PanelError("unexpected multi-status answer", permanent=False)
        out: dict[str, Status | PanelError] = {}
        for order in orders[:MAX_BATCH]:
            try:
                out[order] = parse_status(data.get(order, {"error": "missing in answer"}))
            except PanelError as exc:
                out[order] = exc
        return out

    def refill(self, order: str) -> str:
        data = self.call("refill", order=order)
        refill = data.get("refill") if isinstance(data, dict) else None
        if refill in (None, ""):
            raise PanelError("the panel did not return a refill id", permanent=True)
        return str(refill)

    def refill_status(self, refill: str) -> str:
        data = self.call("refill_status", refill=refill)
        if not isinstance(data, dict) or "error" in data:
            raise PanelError(str((data or {}).get("error", "unexpected answer"))
                             if isinstance(data, dict) else "unexpected answer", permanent=True)
        return str(data.get("status") or "")[:30]

    def cancel(self, orders: list[str]) -> dict[str, bool]:
        data = self.call("cancel", orders=",".join(orders[:MAX_BATCH]))
        rows = data if isinstance(data, list) else []
        return {str(row.get("order")): not isinstance(row.get("cancel"), dict)
                for row in rows if isinstance(row, dict)}

    def balance(self) -> tuple[Decimal, str]:
        data = self.call("balance")
        try:
            return Decimal(str(data["balance"])), str(data.get("currency") or "")[:8]
        except (KeyError, TypeError, InvalidOperation):
            raise PanelError("unexpected balance answer", permanent=False) from None


def _refused(exc: requests.ConnectionError) -> bool:
    text = str(exc).lower()
    return "refused" in text or "name or service not known" in text


def _transient(message: str, action: str, *, sent: bool) -> PanelError:
    error = PanelError(message, permanent=False, sent=sent)
    # Reads are always safe to repeat; writes only when the panel never saw them.
    error._retry = action not in _WRITES or not sent  # type: ignore[attr-defined]
    return error


def _answer(response: requests.Response, action: str) -> Any:
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and "error" in data and len(data) == 1:
        text = str(data["error"])
        transient = any(word in text.lower() for word in _TRANSIENT_WORDS)
        error = PanelError(text, permanent=not transient, sent=False)
        if transient and action not in _WRITES:
            error._retry = False  # type: ignore[attr-defined]  # waiting helps, not now
        raise error
    if response.status_code >= 500 or response.status_code == 429:
        raise _transient(f"panel answered HTTP {response.status_code}", action, sent=True)
    if response.status_code >= 400 or data is None:
        raise PanelError(f"panel answered HTTP {response.status_code}",
                         permanent=400 <= response.status_code < 500)
    return data
