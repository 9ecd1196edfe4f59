"""Logged-in discord.py HTTP clients kept per worker process, one per bot token (bounded).

Before this pool every fulfillment call built a new `HTTPClient`, logged in (`GET
/users/@me`), opened a new aiohttp session and TLS connection, and threw it all away after one
DM: most of a delivery's time was that set-up, not the DM. Now each worker process keeps one
event loop on a daemon thread and, on it, up to `MAX_CLIENTS` logged-in clients keyed by
(API base, token), least recently used first out. Keying by token keeps tenants apart exactly as
before (a client only ever carries its own bot's token and its own rate-limit buckets), and the
buckets now survive between calls, so discord.py's rate limiting sees a bot's real history.

Celery's prefork pool forks children from a parent that may have used the pool (tests, eager
tasks): a loop thread does not survive a fork, so the pool is per pid and a child builds its
own. A client whose token Discord refuses (401) is dropped, so a rotated token logs in anew.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

from discord.http import HTTPClient, Route

T = TypeVar("T")
MAX_CLIENTS = 64  # bots one worker serves at once; an evicted one is closed and re-made later
CALL_TIMEOUT = 60.0  # seconds for one call, rate-limit waits included (and for a login)


class ClientPool:
    """One event loop thread and its logged-in clients (use `pool()`, one per process)."""

    def __init__(self, *, max_clients: int = MAX_CLIENTS,
                 call_timeout: float = CALL_TIMEOUT) -> None:
        self.max_clients = max_clients
        self.call_timeout = call_timeout
        self.logins = 0  # clients created and logged in (tests read it)
        self._pid = os.getpid()
        self._clients: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever,
                                        name="discord-client-pool", daemon=True)
        self._thread.start()

    # --- called from any thread (Celery task threads) --------------------------------------
    def run(self, token: str, work: Callable[[HTTPClient], Awaitable[T]]) -> T:
        """Run `work` with the token's logged-in client; exceptions pass through unchanged."""
        key = (Route.BASE, token)
        future = asyncio.run_coroutine_threadsafe(self._call(key, work), self._loop)
        try:
            return future.result(self.call_timeout + 5)
        except FutureTimeout:
            future.cancel()
            raise TimeoutError("Discord call timed out") from None
        except BaseException:  # e.g. Celery's soft time limit: stop the call, not just wait
            future.cancel()
            raise

    def size(self) -> int:
        return len(self._clients)

    def close(self) -> None:
        """Close every client and stop the loop (at exit, so aiohttp warns of nothing)."""
        if self._pid != os.getpid() or not self._thread.is_alive():
            return  # a forked child's copy: its thread never ran here
        asyncio.run_coroutine_threadsafe(self._close_all(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    # --- on the pool's loop -----------------------------------------------------------------
    async def _call(self, key: tuple[str, str], work: Callable[[HTTPClient], Awaitable[T]]) -> T:
        entry = self._entry(key)
        entry.users += 1
        try:
            http = await asyncio.shield(entry.login)
            return await asyncio.wait_for(work(http), self.call_timeout)
        except Exception as exc:
            # A refused login or a revoked/rotated token (401) is not kept: the next call logs
            # in anew with whatever token the shop has then.
            if not entry.login.done() or entry.login.exception() is not None or \
                    getattr(exc, "status", None) == 401:
                self._forget(key, entry)
            raise
        finally:
            entry.users -= 1
            if entry.retired and not entry.users:
                await entry.close()

    def _entry(self, key: tuple[str, str]) -> _Entry:
        entry = self._clients.get(key)
        if entry is None:
            # A task, so concurrent first calls for one token share one login.
            entry = self._clients[key] = _Entry(self._loop.create_task(self._login(key[1])))
            while len(self._clients) > self.max_clients:
                old_key, old = next(iter(self._clients.items()))
                self._forget(old_key, old)
        self._clients.move_to_end(key)
        return entry

    def _forget(self, key: tuple[str, str], entry: _Entry) -> None:
        """Out of the pool; closed once no call uses it any more."""
        if self._clients.get(key) is entry:
            del self._clients[key]
        entry.retired = True
        if not entry.users:
            self._loop.create_task(entry.close())

    async def _login(self, token: str) -> HTTPClient:
        http = HTTPClient(self._loop, max_ratelimit_timeout=self.call_timeout)
        try:
            await asyncio.wait_for(http.static_login(token), self.call_timeout)
        except BaseException:
            await http.close()
            raise
        self.logins += 1
        return http

    async def _close_all(self) -> None:
        entries = list(self._clients.values())
        self._clients.clear()
        await asyncio.gather(*(entry.close() for entry in entries), return_exceptions=True)


class _Entry:
    """A pooled client: its login task, how many calls use it now, whether it left the pool."""

    def __init__(self, login: asyncio.Task[HTTPClient]) -> None:
        self.login = login
        self.users = 0
        self.retired = False
        self._closed = False

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            http = await self.login
        except BaseException:
            return  # never logged in: HTTPClient was closed by _login
        await http.close()


_pools: dict[int, ClientPool] = {}
_lock = threading.Lock()


def pool() -> ClientPool:
    """This process's pool (a forked child gets its own: threads do not survive fork)."""
    pid = os.getpid()
    current = _pools.get(pid)
    if current is None:
        with _lock:
            current = _pools.get(pid)
            if current is None:
                _pools.clear()  # the parent's pool, inherited without its thread
                current = _pools[pid] = ClientPool()
                atexit.register(current.close)
    return current
