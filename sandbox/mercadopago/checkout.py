"""Checkout Pro: preferences, the payment made on the hosted page, merchant orders."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from . import payments as pay
from .emulator import Emulator
from .errors import MPError, bad_request, not_found
from .store import Account


def _items(body: dict[str, Any]) -> list[dict[str, Any]]:
    items = body.get("items")
    if not isinstance(items, list) or not items:
        raise MPError(400, "items needed", "invalid_items", [])
    clean = []
    for item in items:
        if not isinstance(item, dict):
            raise MPError(400, "items needed", "invalid_items", [])
        price = pay.parse_amount(item.get("unit_price"), "unit_price")
        quantity = item.get("quantity", 1)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise bad_request("invalid_items", "quantity must be a positive integer")
        clean.append(
            {
                **item,
                "unit_price": price,
                "quantity": quantity,
                "currency_id": item.get("currency_id") or "BRL",
            }
        )
    return clean


def create_preference(emu: Emulator, account: Account, body: Any, base_url: str) -> dict[str, Any]:
    """POST /checkout/preferences; init points lead to the emulator's hosted page."""
    if not isinstance(body, dict):
        raise bad_request(400, "The body must be a JSON object")
    items = _items(body)
    pref_id = f"{account.collector_id}-{uuid.uuid4()}"
    link = f"{base_url}/checkout/v1/redirect?pref_id={pref_id}"
    preference = {
        "id": pref_id,
        "items": items,
        "payer": body.get("payer") or {},
        "back_urls": {"success": "", "failure": "", "pending": "", **(body.get("back_urls") or {})},
        "auto_return": body.get("auto_return", ""),
        "external_reference": body.get("external_reference", ""),
        "notification_url": body.get("notification_url"),
        "metadata": body.get("metadata") or {},
        "payment_methods": body.get("payment_methods") or {},
        "statement_descriptor": body.get("statement_descriptor"),
        "expires": bool(body.get("expires", False)),
        "date_created": emu.store.now_iso(),
        "collector_id": account.collector_id,
        "client_id": str(account.collector_id),
        "marketplace": "NONE",
        "marketplace_fee": 0,
        **_marketplace(emu, account, body),
        "operation_type": "regular_payment",
        "site_id": "MLB",
        "init_point": link,
        "sandbox_init_point": link + "&sandbox=true",
        "merchant_order_id": None,
    }
    emu.store.preferences[pref_id] = preference
    emu.store.preference_owner[pref_id] = account.access_token
    return preference


def _marketplace(emu: Emulator, account: Account, body: dict[str, Any]) -> dict[str, Any]:
    """`marketplace_fee` on a seller's (OAuth) token: the preference's payments carry it."""
    from . import oauth_state as oauth

    if body.get("marketplace_fee") in (None, 0):
        return {}
    grant = oauth.grant_for_token(emu, account.access_token)
    if grant is None:
        raise bad_request(4390, "marketplace_fee needs a marketplace seller's token")
    return {"marketplace": grant.client_id,
            "marketplace_fee": pay.parse_amount(body["marketplace_fee"], "marketplace_fee")}


def get_preference(emu: Emulator, pref_id: str, account: Account | None = None) -> dict[str, Any]:
    found = emu.store.preferences.get(pref_id)
    if found is None or (account and emu.store.preference_owner[pref_id] != account.access_token):
        raise not_found("Preference")
    return found


def total(preference: dict[str, Any]) -> Decimal:
    return sum((i["unit_price"] * i["quantity"] for i in preference["items"]), Decimal(0))


def pay_preference(
    emu: Emulator, pref_id: str, card_code: str, email: str, method: str
) -> tuple[dict[str, Any], str]:
    """What the hosted page's "Pay" button does; returns (payment, redirect URL)."""
    preference = get_preference(emu, pref_id)
    account = emu.store.accounts[emu.store.preference_owner[pref_id]]
    order = _merchant_order_for(emu, preference)
    body = {
        "transaction_amount": total(preference),
        "payment_method_id": method if method in pay.CARD_METHODS else "visa",
        "token": f"sandbox-card-{card_code}",
        "payer": {"email": email, "first_name": card_code},
        "description": preference["items"][0].get("title"),
        "external_reference": preference["external_reference"],
        "notification_url": preference["notification_url"],
        "metadata": preference["metadata"],
    }
    if preference["marketplace_fee"]:
        body["application_fee"] = preference["marketplace_fee"]
    # Go through the normal creation path so validation and state are identical; the
    # creation webhook waits until ``order`` is attached, as MP's payload has it.
    _, created = emu.create_payment(account, body, None, "", notify=False)
    payment = emu.store.payments[created["id"]]
    payment["order"] = {"id": order["id"], "type": "mercadopago"}  # PaymentOrder: id number
    order["payment_ids"].append(payment["id"])
    emu.notifier.emit(payment, account, "payment.created")
    return payment, _back_url(preference, payment, order)


def _back_url(preference: dict[str, Any], payment: dict[str, Any], order: dict[str, Any]) -> str:
    which = {"approved": "success", "rejected": "failure"}.get(payment["status"], "pending")
    target = preference["back_urls"].get(which) or "/checkout/v1/result"
    params = {
        "collection_id": payment["id"],
        "collection_status": payment["status"],
        "payment_id": payment["id"],
        "status": payment["status"],
        "external_reference": preference["external_reference"] or "null",
        "payment_type": payment["payment_type_id"],
        "merchant_order_id": order["id"],
        "preference_id": preference["id"],
        "site_id": "MLB",
        "processing_mode": "aggregator",
        "merchant_account_id": "null",
    }
    return target + ("&" if "?" in target else "?") + urlencode(params)


def _merchant_order_for(emu: Emulator, preference: dict[str, Any]) -> dict[str, Any]:
    """MP opens one merchant order per preference at the first payment attempt."""
    if preference["merchant_order_id"]:
        return emu.store.merchant_orders[preference["merchant_order_id"]]
    order = {
        "id": emu.store.next_order_id(),
        "preference_id": preference["id"],
        "owner": emu.store.preference_owner[preference["id"]],
        "payment_ids": [],
        "date_created": emu.store.now_iso(),
    }
    emu.store.merchant_orders[order["id"]] = order
    preference["merchant_order_id"] = order["id"]
    return order


def merchant_order(emu: Emulator, account: Account, order_id: Any) -> dict[str, Any]:
    """GET /merchant_orders/{id}, computed from the live payments it contains."""
    emu.expire_due()
    try:
        order = emu.store.merchant_orders[int(order_id)]
    except (KeyError, ValueError):
        raise not_found("Merchant Order") from None
    if order["owner"] != account.access_token:
        raise not_found("Merchant Order")
    preference = emu.store.preferences[order["preference_id"]]
    found = [emu.store.payments[pid] for pid in order["payment_ids"]]
    amount = total(preference)
    paid = sum((p["transaction_amount"] for p in found if p["status"] == "approved"), Decimal(0))
    refunded = sum((p["transaction_amount_refunded"] for p in found), Decimal(0))
    return {
        "id": order["id"],
        "status": "closed" if paid >= amount else "opened",
        "order_status": "paid" if paid >= amount else "payment_required",
        "external_reference": preference["external_reference"],
        "preference_id": preference["id"],
        "payments": [_order_payment(p) for p in found],
        "shipments": [],
        "collector": {"id": account.collector_id, "nickname": account.merchant_name},
        "marketplace": "NONE",
        "notification_url": preference["notification_url"],
        "date_created": order["date_created"],
        "last_updated": max([p["date_last_updated"] for p in found] or [order["date_created"]]),
        "items": preference["items"],
        "total_amount": amount,
        "paid_amount": paid,
        "refunded_amount": refunded,
        "shipping_cost": 0,
        "cancelled": False,
        "site_id": "MLB",
        "is_test": True,
        "payer": None,
    }


def _order_payment(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": p["id"],
        "transaction_amount": p["transaction_amount"],
        "total_paid_amount": p["transaction_details"]["total_paid_amount"],
        "shipping_cost": 0,
        "currency_id": "BRL",
        "status": p["status"],
        "status_details": p["status_detail"],  # sic: MerchantOrderPayment in the SDK
        "operation_type": p["operation_type"],
        "date_approved": p["date_approved"],
        "date_created": p["date_created"],
        "last_modified": p["date_last_updated"],
        "amount_refunded": p["transaction_amount_refunded"],
    }
