"""Control API under /_sandbox/: drive payments, inspect webhooks, flip switches, reset.

Not part of Mercado Pago: it replaces what a human would do in MP's sandbox (pay a PIX,
dispute a charge) and exposes what MP never shows (every webhook attempt).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .errors import MPError, bad_request
from .httputil import emulator, json_response, read_json
from .pages import page

routes = web.RouteTableDef()

ACTIONS = ("approve", "reject", "expire", "cancel", "refund", "chargeback", "mediation")
INDEX = """<h1>Control API</h1><ul>
<li>GET <a href='/_sandbox/state'>/_sandbox/state</a></li>
<li>GET|POST <a href='/_sandbox/accounts'>/_sandbox/accounts</a>
 {access_token, webhook_secret?, collector_id?, webhook_url?}</li>
<li>GET <a href='/_sandbox/payments'>/_sandbox/payments</a>, GET /_sandbox/payments/{id}</li>
<li>POST /_sandbox/payments/{id}/(approve|reject|expire|cancel|refund|chargeback|mediation)</li>
<li>GET <a href='/_sandbox/notifications'>/_sandbox/notifications</a>,
 POST /_sandbox/notifications/flush</li>
<li>GET|POST <a href='/_sandbox/switches'>/_sandbox/switches</a>
 {duplicate, out_of_order, wrong_signature, retry_schedule, webhook_timeout}</li>
<li>POST /_sandbox/preapproval/{id}/authorize {fail?},
 POST /_sandbox/preapproval/charge_due {fail?}</li>
<li>POST /_sandbox/clock {advance_seconds}</li><li>POST /_sandbox/reset</li></ul>"""


async def _body(request: web.Request) -> dict[str, Any]:
    body = await read_json(request)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise bad_request(400, "The body must be a JSON object")
    return body


@routes.get("/_sandbox/")
@routes.get("/_sandbox")
async def index(request: web.Request) -> web.Response:
    return page("Mercado Pago sandbox", INDEX)


@routes.get("/_sandbox/state")
async def state(request: web.Request) -> web.Response:
    emu = emulator(request)
    emu.expire_due()
    return json_response(
        {
            "now": emu.store.now_iso(),
            "accounts": [a.access_token for a in emu.store.accounts.values()],
            "payments": len(emu.store.payments),
            "preferences": len(emu.store.preferences),
            "notifications": len(emu.notifier.records),
            "held_notifications": len(emu.notifier.held),
            "switches": switches_view(request),
        }
    )


@routes.get("/_sandbox/accounts")
async def list_accounts(request: web.Request) -> web.Response:
    return json_response([a.public() for a in emulator(request).store.accounts.values()])


@routes.post("/_sandbox/accounts")
async def register_account(request: web.Request) -> web.Response:
    body = await _body(request)
    if not body.get("access_token"):
        raise bad_request(400, "access_token is required")
    account = emulator(request).store.register_account(
        str(body["access_token"]),
        webhook_secret=body.get("webhook_secret"),
        collector_id=body.get("collector_id"),
        webhook_url=body.get("webhook_url"),
        merchant_name=body.get("merchant_name"),
        merchant_city=body.get("merchant_city"),
    )
    return json_response(account.public(), 201)


@routes.get("/_sandbox/payments")
async def list_payments(request: web.Request) -> web.Response:
    emu = emulator(request)
    emu.expire_due()
    return json_response(list(emu.store.payments.values()))


@routes.get("/_sandbox/payments/{id}")
async def get_payment(request: web.Request) -> web.Response:
    return json_response(emulator(request).payment(request.match_info["id"]))


@routes.post("/_sandbox/payments/{id}/{action}")
async def payment_action(request: web.Request) -> web.Response:
    body = await _body(request)
    result = run_action(request, request.match_info["id"], request.match_info["action"], body)
    return json_response(result)


def run_action(
    request: web.Request, payment_id: str, action: str, body: dict[str, Any]
) -> dict[str, Any]:
    emu = emulator(request)
    if action not in ACTIONS:
        raise MPError(404, f"Unknown action {action!r}; use one of {', '.join(ACTIONS)}")
    if action == "refund":
        return emu.refund(payment_id, body.get("amount"))
    if action == "reject":
        return emu.reject(payment_id, body.get("status_detail") or "cc_rejected_other_reason")
    if action == "chargeback":
        return emu.charge_back(payment_id, body.get("status_detail") or "settled")
    method = {
        "approve": emu.approve,
        "expire": emu.expire,
        "cancel": emu.cancel,
        "mediation": emu.mediation,
    }[action]
    return method(payment_id)


@routes.post("/_sandbox/chargebacks")
async def open_chargeback(request: web.Request) -> web.Response:
    """{"payment_id", "amount"?, "reason"?}: the buyer's bank opens a chargeback."""
    body = await _body(request)
    return json_response(emulator(request).disputes.open_chargeback(
        body.get("payment_id"), body.get("amount"), str(body.get("reason") or "fraud")))


@routes.post("/_sandbox/chargebacks/{id}/resolve")
async def resolve_chargeback(request: web.Request) -> web.Response:
    """{"won": true|false}: the verdict (coverage_applied)."""
    body = await _body(request)
    return json_response(emulator(request).disputes.resolve_chargeback(
        request.match_info["id"], won=bool(body.get("won"))))


@routes.post("/_sandbox/claims")
async def open_med(request: web.Request) -> web.Response:
    """{"payment_id"}: the payer's bank opens a PIX MED return (a claim on the payment)."""
    body = await _body(request)
    return json_response(emulator(request).disputes.open_med(body.get("payment_id")))


@routes.post("/_sandbox/claims/{id}/resolve")
async def resolve_med(request: web.Request) -> web.Response:
    """{"won": true|false}: won keeps the money; lost refunds it to the payer."""
    body = await _body(request)
    return json_response(emulator(request).disputes.resolve_med(
        request.match_info["id"], won=bool(body.get("won"))))


@routes.get("/_sandbox/notifications")
async def notifications(request: web.Request) -> web.Response:
    return json_response(emulator(request).notifier.public_records())


@routes.post("/_sandbox/notifications/flush")
async def flush(request: web.Request) -> web.Response:
    return json_response({"released": emulator(request).notifier.flush_held()})


def switches_view(request: web.Request) -> dict[str, Any]:
    emu = emulator(request)
    return {
        **emu.store.switches.public(),
        "retry_schedule": emu.config.retry_schedule,
        "webhook_timeout": emu.config.webhook_timeout,
    }


@routes.get("/_sandbox/switches")
async def get_switches(request: web.Request) -> web.Response:
    return json_response(switches_view(request))


@routes.post("/_sandbox/switches")
async def set_switches(request: web.Request) -> web.Response:
    apply_switches(emulator(request), await _body(request))
    return json_response(switches_view(request))


def apply_switches(emu: Any, body: dict[str, Any]) -> None:
    """Shared by the HTTP route and testing.MercadoPagoSandbox.set_switches()."""
    for name in ("duplicate", "out_of_order", "wrong_signature"):
        if name in body:
            setattr(emu.store.switches, name, bool(body[name]))
    if "retry_schedule" in body:
        emu.config.retry_schedule = [float(x) for x in body["retry_schedule"]]
    if "webhook_timeout" in body:
        emu.config.webhook_timeout = float(body["webhook_timeout"])
    if body.get("out_of_order") is False:
        emu.notifier.flush_held()  # turning reordering off must not strand held webhooks


@routes.post("/_sandbox/clock")
async def clock(request: web.Request) -> web.Response:
    body = await _body(request)
    now = emulator(request).advance_clock(float(body.get("advance_seconds", 0)))
    return json_response({"now": now})


@routes.post("/_sandbox/reset")
async def reset(request: web.Request) -> web.Response:
    emulator(request).reset()
    return json_response({"reset": True})


@routes.post("/_sandbox/preapproval/{id}/authorize")
async def preapproval_authorize(request: web.Request) -> web.Response:
    """The buyer entered a card on the subscription's init_point ({"fail": true}: declined)."""
    body = await _body(request)
    return json_response(emulator(request).preapprovals.authorize(
        request.match_info["id"], fail=bool(body.get("fail"))))


@routes.post("/_sandbox/preapproval/charge_due")
async def preapproval_charge_due(request: web.Request) -> web.Response:
    """Charge every authorized subscription whose next payment date has come."""
    body = await _body(request)
    return json_response(emulator(request).preapprovals.charge_due(fail=bool(body.get("fail"))))
