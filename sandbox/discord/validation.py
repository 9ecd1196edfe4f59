"""Requests checked against the spec before any handler runs, as Discord's own API does.

Query parameters and JSON bodies (or a multipart body's `payload_json`) that do not fit the
operation's schema get 400 50035 Invalid Form Body with the nested `errors` tree; a body that is
not JSON gets 400 50109. Handlers then read the parsed body with `messages.read_body` or
`body_of`, so a wrong type never reaches them (no 500 pages).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox.discord import errors, messages, openapi
from sandbox.discord.ratelimits import route_template, strip_prefix
from sandbox.discord.routing import state_of

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def record_exchanges(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Keep each API request and its answer (`GET /_sandbox/exchanges`) for contract tests."""
    response = await handler(request)
    if request.path.startswith("/api") and isinstance(response, web.Response):
        parsed = request.get(messages.BODY_KEY)
        raw = response.body if isinstance(response.body, bytes) else b""
        is_json = response.content_type == "application/json" and raw
        state_of(request).exchanges.append(
            {
                "method": request.method,
                "path": strip_prefix(request.path),
                "route": route_template(request),
                "query": dict(request.query),
                "content_type": request.content_type,
                "request": parsed[0] if parsed else None,
                "files": len(parsed[1]) if parsed else 0,
                "status": response.status,
                "response": json.loads(raw) if is_json else None,
            }
        )
    return response


@web.middleware
async def spec_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith("/api") or request.match_info.http_exception is not None:
        return await handler(request)
    op = openapi.find_operation(request.method, strip_prefix(request.path))
    if op is None:  # OAuth2's RFC 6749 endpoints are not in the spec
        return await handler(request)
    problems = openapi.coerce_query(op, dict(request.query))
    if problems:
        raise errors.invalid_form(problems)
    if op.request_schema() is not None:
        body, files = await messages.read_body(request)
        problems = openapi.request_body_errors(op.method, op.path, body)
        if problems:
            raise errors.invalid_form(problems)
        request[messages.BODY_KEY] = (body, files)
    return await handler(request)


async def body_of(request: web.Request) -> Any:
    body, _files = await messages.read_body(request)
    return body
