"""aiohttp app of the SMM panel emulator: `POST /api/v2` (form: key, action, ...) as panels
serve it, and a small /_sandbox control API (force a status, set the balance, cause an outage,
read the calls made)."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

from aiohttp import web

from .emulator import Emulator, PanelError

EMULATOR = web.AppKey("emulator", Emulator)


async def api(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR]
    if emulator.fail_next > 0:
        emulator.fail_next -= 1
        return web.Response(status=502, text="<html>Bad Gateway</html>",
                            content_type="text/html")
    form = {k: str(v) for k, v in (await request.post()).items()}
    try:
        answer = emulator.handle(form)
    except PanelError as exc:
        answer = {"error": str(exc)}
    return web.json_response(answer)


async def control_force(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR]
    body = await _json(request)
    try:
        order_id = int(request.match_info["order_id"])
        answer = emulator.force(order_id, status=str(body["status"]),
                                remains=int(body["remains"]) if "remains" in body else None)
    except (KeyError, ValueError, TypeError):
        return web.json_response({"error": "unknown order or bad body"}, status=400)
    return web.json_response(answer)


async def control_balance(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR]
    body = await _json(request)
    try:
        emulator.balance = Decimal(str(body["balance"]))
    except (KeyError, InvalidOperation):
        return web.json_response({"error": "balance required"}, status=400)
    return web.json_response({"balance": str(emulator.balance)})


async def control_outage(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR]
    body = await _json(request)
    emulator.fail_next = int(body.get("calls", 1))
    return web.json_response({"fail_next": emulator.fail_next})


async def control_state(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR]
    return web.json_response({
        "balance": str(emulator.balance), "calls": emulator.calls,
        "orders": {str(k): {**o.public(), "service": o.service.service, "link": o.link,
                            "quantity": o.quantity} for k, o in emulator.orders.items()},
        "refills": {str(k): {"order": r.order, "status": r.status}
                    for k, r in emulator.refills.items()}})


async def _json(request: web.Request) -> dict:
    try:
        body = await request.json()
    except (json.JSONDecodeError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}


def create_app(*, emulator: Emulator | None = None) -> web.Application:
    app = web.Application()
    app[EMULATOR] = emulator or Emulator()
    app.router.add_post("/api/v2", api)
    app.router.add_post("/_sandbox/orders/{order_id}", control_force)
    app.router.add_post("/_sandbox/balance", control_balance)
    app.router.add_post("/_sandbox/outage", control_outage)
    app.router.add_get("/_sandbox/state", control_state)
    return app
