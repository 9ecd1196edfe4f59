"""The Mercado Pago REST endpoints the official SDK calls (authenticated with Bearer)."""

from __future__ import annotations

from aiohttp import web

from . import checkout
from .errors import not_found
from .httputil import base_url, emulator, json_response, read_json
from .store import Account

routes = web.RouteTableDef()


def _account(request: web.Request) -> Account:
    return emulator(request).authenticate(request.headers.get("Authorization"))


def _idempotency_key(request: web.Request) -> str | None:
    return request.headers.get("X-Idempotency-Key") or None


@routes.post("/v1/payments")
async def create_payment(request: web.Request) -> web.Response:
    account = _account(request)
    body = await read_json(request)
    status, payment = emulator(request).create_payment(
        account, body, _idempotency_key(request), base_url(request)
    )
    return json_response(payment, status)


@routes.get("/v1/payments/search")
async def search_payments(request: web.Request) -> web.Response:
    account = _account(request)
    return json_response(emulator(request).search(account, dict(request.query)))


@routes.get("/v1/payments/{id}")
async def get_payment(request: web.Request) -> web.Response:
    account = _account(request)
    return json_response(emulator(request).payment(request.match_info["id"], account))


@routes.put("/v1/payments/{id}")
async def update_payment(request: web.Request) -> web.Response:
    account = _account(request)
    body = await read_json(request)
    return json_response(emulator(request).update_payment(account, request.match_info["id"], body))


@routes.post("/v1/payments/{id}/refunds")
async def create_refund(request: web.Request) -> web.Response:
    account = _account(request)
    body = await read_json(request)
    status, refund = emulator(request).create_refund(
        account, request.match_info["id"], body, _idempotency_key(request)
    )
    return json_response(refund, status)


@routes.get("/v1/payments/{id}/refunds")
async def list_refunds(request: web.Request) -> web.Response:
    account = _account(request)
    return json_response(emulator(request).payment(request.match_info["id"], account)["refunds"])


@routes.get("/v1/payments/{id}/refunds/{refund_id}")
async def get_refund(request: web.Request) -> web.Response:
    account = _account(request)
    payment = emulator(request).payment(request.match_info["id"], account)
    for refund in payment["refunds"]:
        if str(refund["id"]) == request.match_info["refund_id"]:
            return json_response(refund)
    raise not_found("Refund")


@routes.post("/checkout/preferences")
async def create_preference(request: web.Request) -> web.Response:
    account = _account(request)
    body = await read_json(request)
    preference = checkout.create_preference(emulator(request), account, body, base_url(request))
    return json_response(preference, 201)


@routes.get("/checkout/preferences/{id}")
async def get_preference(request: web.Request) -> web.Response:
    account = _account(request)
    return json_response(
        checkout.get_preference(emulator(request), request.match_info["id"], account)
    )


@routes.get("/merchant_orders/{id}")
async def get_merchant_order(request: web.Request) -> web.Response:
    account = _account(request)
    return json_response(
        checkout.merchant_order(emulator(request), account, request.match_info["id"])
    )


# -- subscriptions (sandbox/mercadopago/preapproval.py) ---------------------------------------
@routes.post("/preapproval")
async def create_preapproval(request: web.Request) -> web.Response:
    account = _account(request)
    body = await read_json(request)
    return json_response(emulator(request).preapprovals.create(account, body, base_url(request)),
                         201)


@routes.get("/preapproval/search")
async def search_preapprovals(request: web.Request) -> web.Response:
    account = _account(request)
    return json_response(emulator(request).preapprovals.search(account, dict(request.query)))


@routes.get("/preapproval/{id}")
async def get_preapproval(request: web.Request) -> web.Response:
    account = _account(request)
    return json_response(emulator(request).preapprovals.get(request.match_info["id"], account))


@routes.put("/preapproval/{id}")
async def update_preapproval(request: web.Request) -> web.Response:
    account = _account(request)
    body = await read_json(request)
    return json_response(
        emulator(request).preapprovals.update(account, request.match_info["id"], body))


@routes.get("/authorized_payments/{id}")
async def get_authorized_payment(request: web.Request) -> web.Response:
    account = _account(request)
    return json_response(
        emulator(request).preapprovals.authorized_payment(request.match_info["id"], account))


@routes.get("/v1/chargebacks/search")
async def search_chargebacks(request: web.Request) -> web.Response:
    account = _account(request)
    return json_response(emulator(request).disputes.search_chargebacks(
        account, request.query.get("payment_id", "")))


@routes.get("/v1/chargebacks/{id}")
async def get_chargeback(request: web.Request) -> web.Response:
    account = _account(request)
    return json_response(emulator(request).disputes.chargeback(request.match_info["id"],
                                                               account))


@routes.get("/post-purchase/v1/claims/{id}")
async def get_claim(request: web.Request) -> web.Response:
    account = _account(request)
    return json_response(emulator(request).disputes.claim(request.match_info["id"], account))
