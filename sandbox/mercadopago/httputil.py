"""Small request/response helpers shared by the API, page and control routes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from aiohttp import web

from .emulator import Emulator
from .errors import MPError

EMULATOR: web.AppKey[Emulator] = web.AppKey("emulator", Emulator)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # MP sends amounts as JSON numbers, e.g. 100.5
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(data: Any) -> str:
    return json.dumps(data, default=_default)


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=dumps)


async def read_json(request: web.Request) -> Any:
    """Body as JSON (floats as Decimal, so amounts stay exact); None when empty."""
    text = await request.text()
    if not text.strip():
        return None
    try:
        return json.loads(text, parse_float=Decimal)
    except ValueError:
        raise MPError(
            400,
            "JSON parse error",
            "bad_request",
            [{"code": 400, "description": "Malformed JSON body", "data": None}],
        ) from None


def emulator(request: web.Request) -> Emulator:
    return request.app[EMULATOR]


def base_url(request: web.Request) -> str:
    """Links in payloads (ticket_url, init_point) point back at this emulator."""
    configured = emulator(request).config.public_url
    return configured.rstrip("/") if configured else f"{request.scheme}://{request.host}"
