"""aiohttp app for the Stripe emulator: the /v1 API the SDK calls, the hosted Checkout page,
signed webhooks with retries, and a /_sandbox control API for tests and demos.

Wire format as Stripe's: form-encoded requests with bracket keys (`a[b][0][c]=1`), JSON
answers, `Authorization: Bearer sk_...`, `Idempotency-Key` (same key + same request -> the
first answer; same key + other request -> 400 idempotency_error), and webhooks signed with
`Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]` = HMAC-SHA256(secret, "<t>.<body>"), one
v1 per endpoint secret (several while a secret is being rolled).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import html
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web

from .emulator import Emulator, StripeError

log = logging.getLogger("sandbox.stripe")
EMULATOR = web.AppKey("emulator", Emulator)
NOTIFIER: web.AppKey[Notifier] = web.AppKey("notifier")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + payload,
                    hashlib.sha256).hexdigest()


def signature_header(payload: bytes, secrets: list[str], timestamp: int) -> str:
    return ",".join([f"t={timestamp}"] + [f"v1={sign(payload, s, timestamp)}" for s in secrets])


def parse_form(text: str) -> dict[str, Any]:
    """Stripe's bracket notation into nested dicts/lists (`items[0][x]=1`)."""
    root: dict[str, Any] = {}
    for raw_key, value in parse_qsl(text, keep_blank_values=True):
        match = _KEY.match(raw_key)
        if not match:
            raise StripeError(400, f"Invalid parameter name: {raw_key}")
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt_is_index = not last and (parts[i + 1].isdigit() or parts[i + 1] == "")
            if isinstance(node, list):
                index = int(part) if part.isdigit() else len(node)
                while len(node) <= index:
                    node.append(None)
                if last:
                    node[index] = value
                else:
                    if node[index] is None:
                        node[index] = [] if nxt_is_index else {}
                    node = node[index]
            else:
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, [] if nxt_is_index else {})
                    if not isinstance(node, (dict, list)):
                        raise StripeError(400, f"Invalid parameter: {raw_key}")
    return root


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, headers={"Request-Id": "req_sandbox"})


@web.middleware
async def stripe_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except StripeError as exc:
        return _json(exc.to_dict(), exc.status)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _json(StripeError(exc.status, exc.reason or "error").to_dict(), exc.status)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _json(StripeError(500, "internal error", type_="api_error").to_dict(), 500)


# -- webhooks ----------------------------------------------------------------------------
@dataclass
class Endpoint:
    url: str
    secrets: list[str]
    events: list[str] = field(default_factory=lambda: ["*"])


@dataclass
class Notifier:
    """Sends every event to every endpoint, retrying failures on `retry_schedule` (seconds).
    `hold=True` keeps deliveries queued until flush() (tests replay them out of order)."""

    retry_schedule: list[float] = field(default_factory=lambda: [5.0, 30.0, 120.0])
    timeout: float = 5.0
    hold: bool = False
    endpoints: list[Endpoint] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    held: list[tuple[Endpoint, dict[str, Any]]] = field(default_factory=list)
    _session: aiohttp.ClientSession | None = None
    _tasks: set[asyncio.Task] = field(default_factory=set)
    now: Callable[[], int] = lambda: 0

    def __call__(self, event: dict[str, Any]) -> None:
        for endpoint in self.endpoints:
            if "*" in endpoint.events or event["type"] in endpoint.events:
                if self.hold:
                    self.held.append((endpoint, event))
                else:
                    self._spawn(endpoint, event)

    def flush(self) -> int:
        held, self.held = self.held, []
        for endpoint, event in held:
            self._spawn(endpoint, event)
        return len(held)

    def _spawn(self, endpoint: Endpoint, event: dict[str, Any]) -> None:
        task = asyncio.get_running_loop().create_task(self._deliver(endpoint, event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, endpoint: Endpoint, event: dict[str, Any]) -> None:
        record = {"event": event["id"], "type": event["type"], "url": endpoint.url,
                  "attempts": [], "delivered": False}
        self.deliveries.append(record)
        payload = json.dumps(event).encode()
        for delay in [0.0, *self.retry_schedule]:
            if delay:
                await asyncio.sleep(delay)
            header = signature_header(payload, endpoint.secrets, self.now())
            try:
                assert self._session is not None
                async with self._session.post(
                        endpoint.url, data=payload, timeout=aiohttp.ClientTimeout(self.timeout),
                        headers={"Content-Type": "application/json; charset=utf-8",
                                 "Stripe-Signature": header,
                                 "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"},
                ) as response:
                    record["attempts"].append({"status": response.status})
                    if 200 <= response.status < 300:
                        record["delivered"] = True
                        return
            except (TimeoutError, aiohttp.ClientError) as exc:
                record["attempts"].append({"error": exc.__class__.__name__})

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._session is not None:
            await self._session.close()


# -- the API -----------------------------------------------------------------------------
routes = web.RouteTableDef()


def _emu(request: web.Request) -> Emulator:
    return request.app[EMULATOR]


def _auth(request: web.Request) -> None:
    header = request.headers.get("Authorization", "")
    key = header[7:] if header.startswith("Bearer ") else ""
    if not key.startswith(("sk_test_", "rk_test_")):
        raise StripeError(401, "Invalid API Key provided." if key else
                          "You did not provide an API key.", type_="invalid_request_error")


async def _params(request: web.Request) -> dict[str, Any]:
    text = (await request.read()).decode("utf-8", "replace") if request.can_read_body else ""
    query = request.query_string
    return parse_form("&".join(x for x in (query, text) if x))


async def _write(request: web.Request, action: Callable[[dict[str, Any]], dict[str, Any]]
                 ) -> web.Response:
    """A POST with Stripe's idempotency semantics."""
    _auth(request)
    params = await _params(request)
    key = request.headers.get("Idempotency-Key", "")
    emu = _emu(request)
    fingerprint = hashlib.sha256(
        f"{request.method} {request.path} {json.dumps(params, sort_keys=True)}".encode()
    ).hexdigest()
    if key and key in emu.idempotency:
        seen, status, body = emu.idempotency[key]
        if seen != fingerprint:
            raise StripeError(400, "Keys for idempotent requests can only be used with the same "
                                   "parameters they were first used with.",
                              type_="idempotency_error")
        return _json(body, status)
    try:
        body, status = action(params), 200
    except StripeError as exc:
        if exc.status >= 500:
            raise
        body, status = exc.to_dict(), exc.status
    if key:
        emu.idempotency[key] = (fingerprint, status, body)
    return _json(body, status)


def _base(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


@routes.post("/v1/checkout/sessions")
async def create_session(request: web.Request) -> web.Response:
    return await _write(request, lambda p: _emu(request).create_session(p, _base(request)))


@routes.get("/v1/checkout/sessions")
async def list_sessions(request: web.Request) -> web.Response:
    _auth(request)
    emu = _emu(request)
    pid = request.query.get("payment_intent")
    data = [s for s in emu.sessions.values() if pid is None or s["payment_intent"] == pid]
    return _json({"object": "list", "data": data, "has_more": False,
                  "url": "/v1/checkout/sessions"})


@routes.get("/v1/checkout/sessions/{sid}")
async def get_session(request: web.Request) -> web.Response:
    _auth(request)
    session = _emu(request).session(request.match_info["sid"])
    params = parse_form(request.query_string)
    if "payment_intent" in (params.get("expand") or []):
        session = dict(session, payment_intent=_emu(request).intent(session["payment_intent"]))
    return _json(session)


@routes.post("/v1/checkout/sessions/{sid}/expire")
async def expire_session(request: web.Request) -> web.Response:
    return await _write(request, lambda p: _emu(request).expire_session(
        request.match_info["sid"]))


@routes.get("/v1/payment_intents/{pid}")
async def get_intent(request: web.Request) -> web.Response:
    _auth(request)
    return _json(_emu(request).intent(request.match_info["pid"]))


@routes.post("/v1/payment_intents/{pid}/cancel")
async def cancel_intent(request: web.Request) -> web.Response:
    return await _write(request, lambda p: _emu(request).cancel_intent(
        request.match_info["pid"]))


@routes.post("/v1/refunds")
async def create_refund(request: web.Request) -> web.Response:
    return await _write(request, lambda p: _emu(request).create_refund(p))


@routes.get("/v1/refunds")
async def list_refunds(request: web.Request) -> web.Response:
    _auth(request)
    return _json(_emu(request).list_refunds(
        payment_intent=request.query.get("payment_intent")))


@routes.get("/v1/refunds/{rid}")
async def get_refund(request: web.Request) -> web.Response:
    _auth(request)
    return _json(_emu(request).refund(request.match_info["rid"]))


@routes.get("/v1/charges/{cid}")
async def get_charge(request: web.Request) -> web.Response:
    _auth(request)
    return _json(_emu(request).charge(request.match_info["cid"]))


@routes.get("/v1/disputes")
async def list_disputes(request: web.Request) -> web.Response:
    _auth(request)
    return _json(_emu(request).list_disputes(
        payment_intent=request.query.get("payment_intent")))


@routes.get("/v1/disputes/{did}")
async def get_dispute(request: web.Request) -> web.Response:
    _auth(request)
    return _json(_emu(request).dispute(request.match_info["did"]))


@routes.get("/v1/events/{eid}")
async def get_event(request: web.Request) -> web.Response:
    _auth(request)
    return _json(_emu(request).event(request.match_info["eid"]))


# -- hosted Checkout page -----------------------------------------------------------------
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Stripe sandbox checkout</title></head><body>
<main><h1>Pay {amount} {currency}</h1><p>{name}</p><p>Status: <b id="status">{status}</b></p>
<form method="post" action="/c/pay/{sid}"><button type="submit" name="outcome" value="pay"
{disabled}>Pay</button> <button type="submit" name="outcome" value="decline" {disabled}>
Decline card</button></form><p><a href="{cancel}">Cancel</a></p></main></body></html>"""


@routes.get("/c/pay/{sid}")
async def page(request: web.Request) -> web.Response:
    emu = _emu(request)
    session = emu.session(request.match_info["sid"])
    amount = session["amount_total"]
    text = PAGE.format(
        amount=f"{amount // 100}.{amount % 100:02d}", currency=session["currency"].upper(),
        name=html.escape(str(emu._line_items.get(session["id"], {}).get("description") or "")),
        status=session["status"], sid=session["id"],
        disabled="" if session["status"] == "open" else "disabled",
        cancel=html.escape(session["cancel_url"]))
    return web.Response(text=text, content_type="text/html")


@routes.post("/c/pay/{sid}")
async def page_pay(request: web.Request) -> web.Response:
    emu = _emu(request)
    form = await request.post()
    session = emu.pay(request.match_info["sid"], decline=form.get("outcome") == "decline")
    if session["status"] == "complete":
        url = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])
        raise web.HTTPSeeOther(url)
    raise web.HTTPSeeOther(f"/c/pay/{session['id']}")


# -- control API (not Stripe's; for tests and demos) --------------------------------------
@routes.post("/_sandbox/webhook_endpoints")
async def add_endpoint(request: web.Request) -> web.Response:
    data = await request.json()
    secrets = data.get("secrets") or []
    if not data.get("url") or not secrets:
        raise StripeError(400, "url and secrets are required")
    request.app[NOTIFIER].endpoints.append(Endpoint(url=data["url"], secrets=list(secrets)))
    return _json({"ok": True})


@routes.post("/_sandbox/checkout/sessions/{sid}/pay")
async def control_pay(request: web.Request) -> web.Response:
    data = await request.json() if request.can_read_body else {}
    return _json(_emu(request).pay(request.match_info["sid"],
                                   decline=bool(data.get("decline"))))


@routes.post("/_sandbox/disputes")
async def control_open_dispute(request: web.Request) -> web.Response:
    """{"payment_intent"|"charge", "reason"?}: the cardholder's bank opens a dispute."""
    data = await request.json() if request.can_read_body else {}
    return _json(_emu(request).open_dispute(
        payment_intent=str(data.get("payment_intent") or ""),
        charge=str(data.get("charge") or ""), reason=str(data.get("reason") or "fraudulent")))


@routes.post("/_sandbox/disputes/{did}/close")
async def control_close_dispute(request: web.Request) -> web.Response:
    """{"won": true|false}: the bank's verdict (`charge.dispute.closed`)."""
    data = await request.json() if request.can_read_body else {}
    return _json(_emu(request).close_dispute(request.match_info["did"],
                                             won=bool(data.get("won"))))


@routes.get("/_sandbox/deliveries")
async def deliveries(request: web.Request) -> web.Response:
    return _json(request.app[NOTIFIER].deliveries)


async def _expiry(emu: Emulator) -> None:
    while True:
        await asyncio.sleep(1.0)
        emu.expire_due()


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    notifier = app[NOTIFIER]
    await notifier.start()
    sweeper = asyncio.get_running_loop().create_task(_expiry(app[EMULATOR]))
    yield
    sweeper.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sweeper
    await notifier.close()


def create_app(*, emulator: Emulator | None = None, notifier: Notifier | None = None
               ) -> web.Application:
    app = web.Application(middlewares=[stripe_errors])
    emu = emulator or Emulator()
    note = notifier or Notifier()
    note.now = emu.now
    emu.listeners.append(note)
    app[EMULATOR] = emu
    app[NOTIFIER] = note
    app.add_routes(routes)
    app.cleanup_ctx.append(_lifecycle)
    return app
