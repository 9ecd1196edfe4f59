"""Webhook delivery, shaped and signed the way Mercado Pago sends them.

Each payment event becomes one notification record; delivery runs in asyncio tasks (never
inside the API request), retries on non-2xx/timeouts following ``retry_schedule`` and logs
every attempt so tests can inspect them. Switches simulate duplicates, reordering and bad
signatures, which real integrations must survive.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aiohttp

from .store import Account, Store


def sign(secret: str, data_id: str, request_id: str, ts: int) -> str:
    """``x-signature`` value: HMAC-SHA256 over MP's manifest ``id:..;request-id:..;ts:..;``."""
    # MP docs: alphanumeric data.id values are lower-cased in the manifest.
    manifest = f"id:{data_id.lower()};request-id:{request_id};ts:{ts};"
    digest = hmac.new(secret.encode(), manifest.encode(), hashlib.sha256).hexdigest()
    return f"ts={ts},v1={digest}"


def with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


class Notifier:
    """Queues, delivers and records payment webhooks."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.records: list[dict[str, Any]] = []
        self.held: list[dict[str, Any]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._locks: dict[Any, asyncio.Lock] = {}  # payment id or topic:id
        self._session: aiohttp.ClientSession | None = None
        # Other threads (tests) wait on this; bumped after every state change of a record.
        self.changed = threading.Condition()
        self.version = 0

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    def reset(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self.records.clear()
        self.held.clear()
        self._bump()

    def _bump(self) -> None:
        with self.changed:
            self.version += 1
            self.changed.notify_all()

    # -- queueing --------------------------------------------------------------------------
    def emit(self, payment: dict[str, Any], account: Account, action: str) -> None:
        """Create the notification(s) for a payment event and schedule delivery."""
        url = payment.get("notification_url") or account.webhook_url
        if not url:
            return
        copies = 2 if self.store.switches.duplicate else 1
        body = self._body(payment, account, action)
        for copy in range(1, copies + 1):
            record = self._record(payment, account, action, url, body, copy)
            if self.store.switches.out_of_order:
                record["state"] = "held"
                self.held.append(record)
            else:
                self._spawn(self._deliver(record, ordered=True))
        self._bump()

    def emit_subscription_topic(self, topic: str, data_id: str, account: Account,
                                url: str | None, action: str) -> None:
        """A notification about something other than a payment (subscriptions): same
        delivery, signing, duplicates and holding as payments'."""
        if not url:
            return
        body = {"id": self.store.next_event_id(), "live_mode": False, "type": topic,
                "date_created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "user_id": account.collector_id, "api_version": "v1",
                "action": f"{topic.split('_', 1)[-1]}.{action}" if action else topic,
                "data": {"id": str(data_id)}}
        for copy in range(1, (2 if self.store.switches.duplicate else 1) + 1):
            record = {"seq": len(self.records) + 1, "event_id": body["id"],
                      "payment_id": f"{topic}:{data_id}", "payment_status": "",
                      "action": body["action"], "copy": copy,
                      "url": with_query(url, {"data.id": str(data_id), "type": topic}),
                      "body": body, "secret": account.webhook_secret,
                      "wrong_signature": self.store.switches.wrong_signature,
                      "state": "queued", "attempts": []}
            self.records.append(record)
            if self.store.switches.out_of_order:
                record["state"] = "held"
                self.held.append(record)
            else:
                self._spawn(self._deliver(record, ordered=True))
        self._bump()

    def emit_topic(self, *, topic: str, data_id: str, data: dict[str, Any],
                   payment: dict[str, Any], account: Account,
                   extra: dict[str, Any] | None = None) -> None:
        """A notification about something other than a payment (chargebacks, claims): sent
        to the account's webhook URL (where MP sends the topics an application subscribed
        to), else the payment's notification_url; `?data.id=<id>&type=<topic>`."""
        url = account.webhook_url or payment.get("notification_url")
        if not url:
            return
        body = {"id": self.store.next_event_id(), "live_mode": False, "type": topic,
                "date_created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "user_id": account.collector_id, "api_version": "v1", "data": data,
                **(extra or {})}
        copies = 2 if self.store.switches.duplicate else 1
        for copy in range(1, copies + 1):
            record = self._record(payment, account, str(body.get("action") or topic), url,
                                  body, copy, topic=topic, data_id=data_id)
            if self.store.switches.out_of_order:
                record["state"] = "held"
                self.held.append(record)
            else:
                self._spawn(self._deliver(record, ordered=True))
        self._bump()

    def _body(self, payment: dict[str, Any], account: Account, action: str) -> dict[str, Any]:
        return {
            "id": self.store.next_event_id(),
            "live_mode": False,
            "type": "payment",
            "date_created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "user_id": account.collector_id,
            "api_version": "v1",
            "action": action,
            "data": {"id": str(payment["id"])},
        }

    def _record(
        self,
        payment: dict[str, Any],
        account: Account,
        action: str,
        url: str,
        body: dict[str, Any],
        copy: int,
        *,
        topic: str = "payment",
        data_id: str = "",
    ) -> dict[str, Any]:
        data_id = data_id or str(payment["id"])
        record = {
            "seq": len(self.records) + 1,
            "event_id": body["id"],
            "payment_id": payment["id"],
            "payment_status": payment["status"],
            "action": action,
            "copy": copy,
            "topic": topic,
            "url": with_query(url, {"data.id": data_id, "type": topic}),
            "body": body,
            "secret": account.webhook_secret,
            "wrong_signature": self.store.switches.wrong_signature,
            "state": "queued",
            "attempts": [],
        }
        self.records.append(record)
        return record

    def flush_held(self) -> int:
        """Release held notifications: per payment, newest first, one after another."""
        held, self.held = self.held, []
        by_payment: dict[int, list[dict[str, Any]]] = {}
        for record in held:
            record["state"] = "queued"
            by_payment.setdefault(record["payment_id"], []).append(record)
        for records in by_payment.values():
            self._spawn(self._deliver_sequence(list(reversed(records))))
        self._bump()
        return len(held)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver_sequence(self, records: list[dict[str, Any]]) -> None:
        for record in records:
            await self._deliver(record, ordered=False)

    # -- delivery --------------------------------------------------------------------------
    async def _deliver(self, record: dict[str, Any], *, ordered: bool) -> None:
        """First attempt under a per-payment lock (keeps creation order); retries after."""
        lock = self._locks.setdefault(record["payment_id"], asyncio.Lock())
        if ordered:
            async with lock:
                ok = await self._attempt(record)
        else:
            ok = await self._attempt(record)
        for delay in self.store.config.retry_schedule:
            if ok:
                break
            record["state"] = "retrying"
            await asyncio.sleep(delay)
            ok = await self._attempt(record)
        record["state"] = "delivered" if ok else "failed"
        self._bump()

    async def _attempt(self, record: dict[str, Any]) -> bool:
        assert self._session is not None, "Notifier.start() was not awaited"
        request_id = str(uuid.uuid4())
        secret = record["secret"] + ("-wrong" if record["wrong_signature"] else "")
        stamp = int(time.time() + self.store.config.webhook_clock_skew)
        signature = sign(secret, str(record["body"]["data"]["id"]), request_id, stamp)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"MercadoPago WebHook v1.0 {record.get('topic', 'payment')}",
            "x-request-id": request_id,
            "x-signature": signature,
        }
        attempt: dict[str, Any] = {
            "at": self.store.now_iso(),
            "request_id": request_id,
            "signature": signature,
            "status_code": None,
            "error": None,
        }
        record["attempts"].append(attempt)
        timeout = aiohttp.ClientTimeout(total=self.store.config.webhook_timeout)
        started = time.monotonic()
        try:
            async with self._session.post(
                record["url"], data=json.dumps(record["body"]), headers=headers, timeout=timeout
            ) as response:
                attempt["status_code"] = response.status
                attempt["response_body"] = (await response.text())[:500]
        except TimeoutError:
            attempt["error"] = "timeout"
        except aiohttp.ClientError as exc:
            attempt["error"] = f"{type(exc).__name__}: {exc}"
        attempt["duration_ms"] = round((time.monotonic() - started) * 1000)
        self._bump()
        return attempt["status_code"] is not None and 200 <= attempt["status_code"] < 300

    def public_records(self) -> list[dict[str, Any]]:
        """Records without the signing secret, safe to expose over the control API."""
        return [{k: v for k, v in r.items() if k != "secret"} for r in self.records]
