"""Subscriptions (preapproval) and their authorized payments, as Mercado Pago's
"Subscriptions" API shows them to the official SDK (`sdk.preapproval()`, `sdk.invoice()`).

- `POST /preapproval` {reason, external_reference, payer_email, back_url, auto_recurring:
  {frequency, frequency_type "months"|"days", transaction_amount, currency_id, free_trial?}}
  answers status "pending" and an `init_point` where the buyer enters the card.
- The buyer authorizing (control API) makes it "authorized" and charges the first period.
- Each period an authorized payment is created on `next_payment_date` (control API
  `charge_due` runs every due one at emulator time): "processed" with an approved payment, or
  "recycling" with a rejected one (`fail`); MP retries those later.
- `PUT /preapproval/{id}` {status "cancelled"|"paused"|"authorized"} or a new
  auto_recurring.transaction_amount.
Notifications: topic `subscription_preapproval` (data.id = preapproval id) on each change,
`subscription_authorized_payment` (data.id = authorized payment id) on each charge.
"""

from __future__ import annotations

import copy
import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta

from . import payments as pay
from .errors import bad_request, not_found
from .store import Account, iso

STATUSES = ("pending", "authorized", "paused", "cancelled")
TRANSITIONS = {"pending": {"authorized", "cancelled"}, "authorized": {"paused", "cancelled"},
               "paused": {"authorized", "cancelled"}, "cancelled": set()}


def _step(recurring: dict[str, Any]) -> relativedelta:
    n = int(recurring.get("frequency") or 1)
    if recurring.get("frequency_type") == "days":
        return relativedelta(days=n)
    return relativedelta(months=n)


def _validate(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request(400, "The body must be a JSON object", "bad_request")
    recurring = body.get("auto_recurring")
    if not isinstance(recurring, dict):
        raise bad_request(400, "auto_recurring is required", "bad_request")
    amount = pay.parse_amount(recurring.get("transaction_amount"))
    if recurring.get("frequency_type") not in ("months", "days"):
        raise bad_request(400, "frequency_type must be months or days", "bad_request")
    frequency = recurring.get("frequency")
    if not isinstance(frequency, int) or not 1 <= frequency <= 12:
        raise bad_request(400, "frequency must be an integer from 1 to 12", "bad_request")
    if not pay.EMAIL_RE.match(str(body.get("payer_email") or "")):
        raise bad_request(400, "payer_email must be a valid email", "bad_request")
    if not str(body.get("back_url") or "").startswith(("http://", "https://")):
        raise bad_request(400, "back_url must be a valid url", "bad_request")
    return {"amount": amount}


class Preapprovals:
    """Lives on the Emulator (`emulator.preapprovals`); state is loop-confined like the rest."""

    def __init__(self, emulator: Any) -> None:
        self.emu = emulator
        self.reset()

    def reset(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.owner: dict[str, str] = {}
        self.authorized: dict[int, dict[str, Any]] = {}
        self._ids = getattr(self, "_ids", iter(range(7_000_000_001, 8_000_000_000)))

    # -- API -------------------------------------------------------------------------------
    def create(self, account: Account, body: Any, base_url: str) -> dict[str, Any]:
        checked = _validate(body)
        now = self.emu.store.now()
        pid = secrets.token_hex(16)
        recurring = dict(body["auto_recurring"])
        recurring["transaction_amount"] = float(checked["amount"])
        recurring.setdefault("currency_id", "BRL")
        recurring["start_date"] = iso(now)
        item = {
            "id": pid, "payer_id": None, "payer_email": body["payer_email"],
            "back_url": body["back_url"], "collector_id": account.collector_id,
            "application_id": None, "status": "pending", "reason": str(body.get("reason", "")),
            "external_reference": str(body.get("external_reference", "")),
            "date_created": iso(now), "last_modified": iso(now),
            "init_point": f"{base_url}/subscriptions/checkout?preapproval_id={pid}",
            "auto_recurring": recurring, "payment_method_id": None,
            "next_payment_date": None, "first_invoice_offset": None,
            "notification_url": body.get("notification_url"),
            "summarized": {"quotas": None, "charged_quantity": 0, "pending_charge_quantity": None,
                           "charged_amount": 0.0, "pending_charge_amount": None,
                           "semaphore": None, "last_charged_date": None,
                           "last_charged_amount": None},
        }
        self.items[pid] = item
        self.owner[pid] = account.access_token
        self._notify(item, "created")
        return copy.deepcopy(item)

    def get(self, pid: str, account: Account | None = None) -> dict[str, Any]:
        item = self.items.get(str(pid))
        if item is None or (account is not None and self.owner[item["id"]] != account.access_token):
            raise not_found("Preapproval")
        return item

    def search(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        found = [copy.deepcopy(i) for pid, i in self.items.items()
                 if self.owner[pid] == account.access_token
                 and all(str(i.get(k, "")) == v for k, v in params.items()
                         if k in ("status", "external_reference", "payer_email"))]
        return {"paging": {"offset": 0, "limit": len(found), "total": len(found)},
                "results": found}

    def update(self, account: Account, pid: str, body: Any) -> dict[str, Any]:
        item = self.get(pid, account)
        if not isinstance(body, dict):
            raise bad_request(400, "The body must be a JSON object", "bad_request")
        status = body.get("status")
        if status is not None:
            if status not in STATUSES or (status != item["status"]
                                          and status not in TRANSITIONS[item["status"]]):
                raise bad_request(400, f"Cannot change status from {item['status']} to "
                                       f"{status}", "bad_request")
            item["status"] = status
        recurring = body.get("auto_recurring")
        if isinstance(recurring, dict) and "transaction_amount" in recurring:
            item["auto_recurring"]["transaction_amount"] = float(
                pay.parse_amount(recurring["transaction_amount"]))
        item["last_modified"] = self.emu.store.now_iso()
        self._notify(item, "updated")
        return copy.deepcopy(item)

    def authorized_payment(self, aid: Any, account: Account | None = None) -> dict[str, Any]:
        try:
            found = self.authorized.get(int(aid))
        except (TypeError, ValueError):
            found = None
        if found is None or (account is not None
                             and self.owner[found["preapproval_id"]] != account.access_token):
            raise not_found("Authorized payment")
        return found

    # -- what the buyer and time do (control API) ------------------------------------------
    def authorize(self, pid: str, *, fail: bool = False) -> dict[str, Any]:
        """The buyer entered a card on init_point: authorized, and the first period charged
        now (or after the free trial)."""
        item = self.get(pid)
        if item["status"] != "pending":
            raise bad_request(400, f"Preapproval is {item['status']}", "bad_request")
        item["status"], item["payment_method_id"] = "authorized", "master"
        item["payer_id"] = 1_000_000 + len(self.items)
        now = self.emu.store.now()
        trial = item["auto_recurring"].get("free_trial")
        first = now + _step(trial) if isinstance(trial, dict) else now
        item["next_payment_date"] = iso(first)
        item["last_modified"] = iso(now)
        self._notify(item, "updated")
        if first <= now:
            self._charge(item, fail=fail)
        return copy.deepcopy(item)

    def charge_due(self, *, fail: bool = False) -> list[dict[str, Any]]:
        """Every authorized subscription whose next payment date has come is charged once."""
        now = self.emu.store.now()
        done = []
        for item in self.items.values():
            due = item["next_payment_date"]
            if item["status"] == "authorized" and due and datetime.fromisoformat(due) <= now:
                done.append(self._charge(item, fail=fail))
        return done

    def _charge(self, item: dict[str, Any], *, fail: bool) -> dict[str, Any]:
        account = self.emu.store.accounts[self.owner[item["id"]]]
        recurring = item["auto_recurring"]
        amount = Decimal(str(recurring["transaction_amount"]))
        token = "OTHE-card" if fail else "APRO-card"
        _status, payment = self.emu.create_payment(account, {
            "transaction_amount": float(amount), "payment_method_id": "master", "token": token,
            "description": item["reason"], "external_reference": item["external_reference"],
            "payer": {"email": item["payer_email"]},
            "metadata": {"preapproval_id": item["id"]}}, None, "", notify=False)
        now = self.emu.store.now()
        due = datetime.fromisoformat(item["next_payment_date"])
        aid = next(self._ids)
        processed = payment["status"] == "approved"
        authorized = {
            "id": aid, "preapproval_id": item["id"], "type": "scheduled",
            "status": "processed" if processed else "recycling",
            "date_created": iso(now), "last_modified": iso(now),
            "transaction_amount": float(amount), "currency_id": recurring["currency_id"],
            "reason": item["reason"], "external_reference": item["external_reference"],
            "payment": {"id": payment["id"], "status": payment["status"],
                        "status_detail": payment["status_detail"]},
            "retry_attempt": 0 if processed else 1,
            "next_retry_date": None if processed else iso(now + timedelta(days=1)),
            "debit_date": iso(due), "payment_method_id": "master",
        }
        self.authorized[aid] = authorized
        summary = item["summarized"]
        if processed:
            summary["charged_quantity"] += 1
            summary["charged_amount"] = float(Decimal(str(summary["charged_amount"])) + amount)
            summary["last_charged_date"], summary["last_charged_amount"] = iso(now), float(amount)
            item["next_payment_date"] = iso(due + _step(recurring))
        self._notify_authorized(item, authorized)
        return copy.deepcopy(authorized)

    # -- notifications ---------------------------------------------------------------------
    def _url(self, item: dict[str, Any]) -> str | None:
        account = self.emu.store.accounts[self.owner[item["id"]]]
        return item.get("notification_url") or account.webhook_url

    def _notify(self, item: dict[str, Any], action: str) -> None:
        account = self.emu.store.accounts[self.owner[item["id"]]]
        self.emu.notifier.emit_subscription_topic("subscription_preapproval", item["id"],
                                                  account, self._url(item), action)

    def _notify_authorized(self, item: dict[str, Any], authorized: dict[str, Any]) -> None:
        account = self.emu.store.accounts[self.owner[item["id"]]]
        self.emu.notifier.emit_subscription_topic("subscription_authorized_payment",
                                                  str(authorized["id"]), account,
                                                  self._url(item), "created")
