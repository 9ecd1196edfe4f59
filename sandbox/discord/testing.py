"""Run the emulator in a background thread and drive it synchronously from tests.

    with DiscordSandbox() as sb:
        undo = point_discord_py_at(sb.url)
        app = sb.create_application("Shop Bot")
        ...
        undo()

Async tests must not block their loop on the sync helpers (discord.py runs on that loop), so
every helper also exists as a coroutine under `sb.aio`: `await sb.aio.run_command(...)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

from aiohttp import web
from aiohttp.log import access_logger

from sandbox._threaded import ThreadedApp
from sandbox.discord.app import build_app
from sandbox.discord.state import SandboxState


class ControlError(RuntimeError):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def point_discord_py_at(url: str) -> Callable[[], None]:
    """Aim discord.py's REST and gateway at the sandbox; returns a function that undoes it."""
    import discord.gateway
    import discord.http
    import yarl

    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = f"{url}/api/v10"
    ws_url = url.replace("http://", "ws://", 1) + "/gateway"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(ws_url)

    def undo() -> None:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    return undo


@contextlib.contextmanager
def discord_py_sandbox(**options: Any) -> Iterator[DiscordSandbox]:
    """A running sandbox with discord.py aimed at it for the block, undone after."""
    with DiscordSandbox(**options) as sandbox:
        undo = point_discord_py_at(sandbox.url)
        try:
            yield sandbox
        finally:
            undo()


class _Async:
    """`sb.aio.name(...)` runs `sb.name(...)` in a worker thread."""

    def __init__(self, target: DiscordSandbox) -> None:
        self._target = target

    def __getattr__(self, name: str) -> Callable[..., Any]:
        func = getattr(self._target, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await asyncio.to_thread(functools.partial(func, *args, **kwargs))

        return call


class DiscordSandbox:
    def __init__(
        self, host: str = "127.0.0.1", port: int | None = None, heartbeat_interval_ms: int = 41250
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.state = SandboxState(heartbeat_interval_ms)
        self.aio = _Async(self)
        # A short shutdown_timeout: open gateway websockets must not hold up stop().
        self._host = ThreadedApp(self._build_app, name="Discord sandbox",
                                 host=host, port=self.port, access_log=access_logger,
                                 shutdown_timeout=0.1)

    # ---- lifecycle ---------------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        """The emulator's app, built on its loop at start (a subclass may add middlewares)."""
        return build_app(self.state)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    def start(self) -> DiscordSandbox:
        self._host.start()
        return self

    def stop(self) -> None:
        self._host.stop()

    def __enter__(self) -> DiscordSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- control API -------------------------------------------------------------------------

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise ControlError(exc.code, json.loads(exc.read() or b"null")) from None
        return json.loads(raw) if raw else None

    def call_raw(self, path: str) -> str:
        """GET a non-JSON page (console, OAuth consent) as text."""
        with urllib.request.urlopen(f"{self.url}{path}", timeout=30) as response:
            return response.read().decode()

    def reset(self) -> None:
        self.call("POST", "/_sandbox/reset")

    def create_application(
        self, name: str = "Sandbox Bot", intents: int = 0, **extra: Any
    ) -> dict[str, Any]:
        body = {"name": name, "intents": intents} | extra
        return self.call("POST", "/_sandbox/applications", body)

    def update_application(self, app_id: str, **fields: Any) -> dict[str, Any]:
        return self.call("PATCH", f"/_sandbox/applications/{app_id}", fields)

    def create_user(self, username: str, **extra: Any) -> dict[str, Any]:
        return self.call("POST", "/_sandbox/users", {"username": username} | extra)

    def set_dms_open(self, user_id: str, is_open: bool) -> dict[str, Any]:
        return self.call("PATCH", f"/_sandbox/users/{user_id}", {"dms_open": is_open})

    def create_guild(self, name: str, app_ids: list[str], **extra: Any) -> dict[str, Any]:
        return self.call("POST", "/_sandbox/guilds", {"name": name, "app_ids": app_ids} | extra)

    def guild(self, guild_id: str) -> dict[str, Any]:
        return self.call("GET", f"/_sandbox/guilds/{guild_id}")

    def create_channel(self, guild_id: str, name: str, type_: int = 0) -> dict[str, Any]:
        return self.call(
            "POST", f"/_sandbox/guilds/{guild_id}/channels", {"name": name, "type": type_}
        )

    def create_role(
        self, guild_id: str, name: str, permissions: int = 0, position: int | None = 1
    ) -> dict[str, Any]:
        return self.call(
            "POST",
            f"/_sandbox/guilds/{guild_id}/roles",
            {"name": name, "permissions": permissions, "position": position},
        )

    def add_member(self, guild_id: str, user_id: str) -> dict[str, Any]:
        return self.call("POST", f"/_sandbox/guilds/{guild_id}/members", {"user_id": user_id})

    def member(self, guild_id: str, user_id: str) -> dict[str, Any]:
        return self.call("GET", f"/_sandbox/guilds/{guild_id}/members/{user_id}")

    def leave_guild(self, guild_id: str, user_id: str) -> None:
        self.call("DELETE", f"/_sandbox/guilds/{guild_id}/members/{user_id}")

    def channel(self, channel_id: str) -> dict[str, Any]:
        return self.call("GET", f"/_sandbox/channels/{channel_id}")

    def messages(self, channel_id: str) -> list[dict[str, Any]]:
        return self.call("GET", f"/_sandbox/channels/{channel_id}/messages")

    def send_as_user(self, channel_id: str, user_id: str, content: str) -> dict[str, Any]:
        return self.call(
            "POST",
            f"/_sandbox/channels/{channel_id}/messages",
            {"user_id": user_id, "content": content},
        )

    def dms(self, user_id: str) -> list[dict[str, Any]]:
        return self.call("GET", f"/_sandbox/users/{user_id}/dms")

    def run_command(
        self,
        channel_id: str,
        user_id: str,
        name: str,
        options: dict[str, Any] | None = None,
        app_id: str | None = None,
    ) -> Any:
        body = {
            "channel_id": channel_id,
            "user_id": user_id,
            "name": name,
            "options": options or {},
            "app_id": app_id,
        }
        return self.call("POST", "/_sandbox/interactions/command", body)

    def click(
        self,
        channel_id: str,
        message_id: str,
        user_id: str,
        custom_id: str,
        values: list[str] | None = None,
    ) -> dict[str, Any]:
        body = {
            "channel_id": channel_id,
            "message_id": message_id,
            "user_id": user_id,
            "custom_id": custom_id,
            "values": values,
        }
        return self.call("POST", "/_sandbox/interactions/component", body)

    def submit_modal(self, interaction_id: str, values: dict[str, Any]) -> dict[str, Any]:
        return self.call(
            "POST", f"/_sandbox/interactions/{interaction_id}/modal", {"values": values}
        )

    def interaction(self, interaction_id: str, wait: float = 0) -> dict[str, Any]:
        return self.call("GET", f"/_sandbox/interactions/{interaction_id}?wait={wait}")

    def drop_connections(self, app_id: str, code: int = 4000) -> list[str]:
        return self.call("POST", f"/_sandbox/applications/{app_id}/drop", {"code": code})["dropped"]

    def rate_limit(
        self,
        method: str,
        route: str,
        count: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
    ) -> None:
        self.call(
            "POST",
            "/_sandbox/ratelimits",
            {
                "method": method,
                "route": route,
                "count": count,
                "retry_after": retry_after,
                "global": is_global,
            },
        )

    def outage(self, status: int = 500, seconds: float = 60, retry_after: float = 1.0) -> None:
        """Every API call answers `status` for `seconds` (fault injection)."""
        self.call("POST", "/_sandbox/outage",
                  {"status": status, "seconds": seconds, "retry_after": retry_after})

    def hold(self, method: str, route: str, seconds: float, phase: str = "before",
             count: int = 1) -> None:
        self.call("POST", "/_sandbox/holds", {"method": method, "route": route,
                                              "seconds": seconds, "phase": phase,
                                              "count": count})

    def holds(self) -> list[dict[str, Any]]:
        return self.call("GET", "/_sandbox/holds")

    def rate_limits(self) -> list[dict[str, Any]]:
        return self.call("GET", "/_sandbox/ratelimits")

    def exchanges(self) -> list[dict[str, Any]]:
        """The API requests received (parsed bodies) and the answers given, oldest first."""
        return self.call("GET", "/_sandbox/exchanges")

    def clear_exchanges(self) -> None:
        self.call("DELETE", "/_sandbox/exchanges")

    def overview(self) -> dict[str, Any]:
        return self.call("GET", "/_sandbox/state")


class running_client:
    """Log a discord.py client in, run its gateway loop as a task, and wait for READY.

    Raises whatever `connect()` raised if it dies before READY (e.g. PrivilegedIntentsRequired).
    On exit the client is closed and its task awaited, so nothing leaks between tests.
    """

    def __init__(self, client: Any, token: str, timeout: float = 10.0) -> None:
        self.client = client
        self.token = token
        self.timeout = timeout
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Any:
        await self.client.login(self.token)
        self.task = asyncio.create_task(self.client.connect(reconnect=True))
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait(
            {self.task, ready}, timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            await self._shutdown()
            if self.task in done and self.task.exception() is not None:
                raise self.task.exception()  # type: ignore[misc]
            raise TimeoutError("discord.py client never became ready")
        return self.client

    async def __aexit__(self, *exc: object) -> None:
        await self._shutdown()

    async def _shutdown(self) -> None:
        await self.client.close()
        if self.task is not None and not self.task.done():
            # The loop may end with a close-related error; we are shutting down anyway.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.task, timeout=self.timeout)
