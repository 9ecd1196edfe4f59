"""Route registration under every API prefix discord.py or allauth may use."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from sandbox.discord import errors
from sandbox.discord.models import Application
from sandbox.discord.state import SandboxState

API_PREFIXES = ("/api/v10", "/api/v9", "/api")
STATE_KEY = web.AppKey("discord_sandbox_state", SandboxState)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def add_api(app: web.Application, method: str, path: str, handler: Handler) -> None:
    for prefix in API_PREFIXES:
        app.router.add_route(method, prefix + path, handler)


def state_of(request: web.Request) -> SandboxState:
    return request.app[STATE_KEY]


def bot_app(request: web.Request) -> Application:
    """Authenticate `Authorization: Bot <token>`; anything else is Discord's bare 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    app = state_of(request).app_by_token(token) if scheme == "Bot" else None
    if app is None:
        raise errors.unauthorized()
    return app


def snowflake(request: web.Request, name: str) -> int:
    value = request.match_info[name]
    try:
        return int(value)
    except ValueError as exc:
        raise errors.invalid_form(
            {name: errors.field_error("NUMBER_TYPE_COERCE", f'Value "{value}" is not snowflake.')}
        ) from exc


def base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"
