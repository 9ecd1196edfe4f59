"""Chargebacks (cards) and PIX MED returns (claims), as Mercado Pago exposes and notifies them.

- A chargeback is the `/v1/chargebacks/{id}` resource (id, payments, currency, amount, reason,
  coverage_applied, coverage_elegible, documentation_required, documentation_status,
  documentation, date_documentation_deadline, date_created, date_last_updated, live_mode).
  Opening one moves the card payment to `charged_back/in_process`; the verdict sets
  `coverage_applied` (true: for the seller, the payment's detail becomes `reimbursed`; false:
  against, `settled`). Its notification is the `chargebacks` topic: Webhooks `type`
  `topic_chargebacks_wh`, `actions`, `data: {id, payment_id, checkout, site_id, ...}`.
- A PIX MED return is a claim (`/post-purchase/v1/claims/{id}`: type, stage, status
  opened/closed, resource `payment`, resource_id, reason_id, players with the respondent's
  `available_actions[].due_date`, resolution `{reason, benefited, date_created}`), notified on
  the `claims` topic (`topic_claims_integration_wh`, `data: {id, resource}`). Lost (the payer
  benefited): the payment is refunded to the payer, as the MED returns the money.
"""

from __future__ import annotations

import copy
import itertools
from datetime import timedelta
from typing import Any

from . import payments as pay
from .errors import bad_request, not_found
from .store import Account, iso

CHARGEBACK_DEADLINE = timedelta(days=10)
MED_DEADLINE = timedelta(days=7)
_chargeback_ids = itertools.count(233_000_061_680_860_001)
_claim_ids = itertools.count(5_033_100_001)


class Disputes:
    """The emulator's chargebacks and claims; `emu` is the Emulator (store, notifier, payments)."""

    def __init__(self, emu: Any) -> None:
        self.emu = emu
        self.chargebacks: dict[str, dict[str, Any]] = {}
        self.claims: dict[int, dict[str, Any]] = {}
        self.owner: dict[str, str] = {}  # "cb:<id>" / "claim:<id>" -> access token

    def reset(self) -> None:
        self.chargebacks.clear()
        self.claims.clear()
        self.owner.clear()

    # -- chargebacks -------------------------------------------------------------------------
    def open_chargeback(self, payment_id: Any, amount: Any = None,
                        reason: str = "fraud") -> dict[str, Any]:
        payment = self.emu.payment(payment_id)
        if payment.get("payment_method_id") == "pix":
            raise bad_request(400, "PIX payments are disputed through MED (claims)")
        pay.require_status(payment, {"approved"}, "charged back")
        now = self.emu.store.now()
        value = payment["transaction_amount"] if amount is None else pay.parse_amount(amount,
                                                                                      "amount")
        chargeback = {
            "id": str(next(_chargeback_ids)), "payments": [payment["id"]],
            "currency": payment.get("currency_id", "BRL"), "amount": value, "reason": reason,
            "coverage_applied": None, "coverage_elegible": True,
            "documentation_required": True, "documentation_status": "pending",
            "documentation": [], "date_documentation_deadline": iso(now + CHARGEBACK_DEADLINE),
            "date_created": iso(now), "date_last_updated": iso(now), "live_mode": False,
        }
        self.chargebacks[chargeback["id"]] = chargeback
        owner = self.emu.store.owner_of(payment["id"])
        self.owner[f"cb:{chargeback['id']}"] = owner.access_token
        pay.set_status(payment, "charged_back", "in_process", now)
        self.emu.notifier.emit(payment, owner, "payment.updated")
        self._notify_chargeback(chargeback, payment, owner, ["new_case"])
        return copy.deepcopy(chargeback)

    def resolve_chargeback(self, chargeback_id: str, *, won: bool) -> dict[str, Any]:
        chargeback = self._chargeback(chargeback_id)
        if chargeback["coverage_applied"] is not None:
            raise bad_request(400, "This chargeback is already decided")
        now = self.emu.store.now()
        chargeback.update(coverage_applied=won, date_last_updated=iso(now),
                          documentation_status="valid" if won else "invalid")
        payment = self.emu.payment(chargeback["payments"][0])
        owner = self.emu.store.owner_of(payment["id"])
        pay.set_status(payment, "charged_back", "reimbursed" if won else "settled", now)
        self.emu.notifier.emit(payment, owner, "payment.updated")
        self._notify_chargeback(chargeback, payment, owner, ["changed_case_status"])
        return copy.deepcopy(chargeback)

    def chargeback(self, chargeback_id: str, account: Account | None = None) -> dict[str, Any]:
        found = self._chargeback(chargeback_id)
        if account is not None and self.owner[f"cb:{found['id']}"] != account.access_token:
            raise not_found("Chargeback")
        return copy.deepcopy(found)

    def search_chargebacks(self, account: Account, payment_id: str) -> dict[str, Any]:
        mine = [copy.deepcopy(c) for c in self.chargebacks.values()
                if self.owner[f"cb:{c['id']}"] == account.access_token
                and (not payment_id or str(c["payments"][0]) == payment_id)]
        return {"paging": {"total": len(mine), "limit": 30, "offset": 0}, "results": mine}

    def _chargeback(self, chargeback_id: Any) -> dict[str, Any]:
        found = self.chargebacks.get(str(chargeback_id))
        if found is None:
            raise not_found("Chargeback")
        return found

    def _notify_chargeback(self, chargeback: dict[str, Any], payment: dict[str, Any],
                           owner: Account, actions: list[str]) -> None:
        data = {"checkout": "PRO", "date_updated": chargeback["date_last_updated"],
                "id": int(chargeback["id"]), "payment_id": payment["id"],
                "product_id": "", "site_id": "MLB", "transaction_intent_id": ""}
        self.emu.notifier.emit_topic(topic="topic_chargebacks_wh", data_id=chargeback["id"],
                                     data=data, payment=payment, account=owner,
                                     extra={"actions": actions, "version": 1})

    # -- PIX MED (claims) --------------------------------------------------------------------
    def open_med(self, payment_id: Any, reason_id: str = "PDM9007") -> dict[str, Any]:
        payment = self.emu.payment(payment_id)
        if payment.get("payment_method_id") != "pix":
            raise bad_request(400, "MED applies to PIX payments only")
        pay.require_status(payment, {"approved"}, "disputed")
        now = self.emu.store.now()
        owner = self.emu.store.owner_of(payment["id"])
        claim = {
            "id": next(_claim_ids), "type": "mediations", "stage": "dispute",
            "status": "opened", "parent_id": None, "client_id": owner.collector_id,
            "resource_id": payment["id"], "resource": "payment", "reason_id": reason_id,
            "quantity_type": "total", "players": [
                {"role": "complainant", "type": "payer", "user_id": 242_829_175,
                 "available_actions": []},
                {"role": "respondent", "type": "collector", "user_id": owner.collector_id,
                 "available_actions": [{"action": "send_message_to_mediator",
                                        "due_date": iso(now + MED_DEADLINE),
                                        "mandatory": True}]}],
            "resolution": None, "site_id": "MLB", "date_created": iso(now),
            "last_updated": iso(now),
        }
        self.claims[claim["id"]] = claim
        self.owner[f"claim:{claim['id']}"] = owner.access_token
        self._notify_claim(claim, payment, owner)
        return copy.deepcopy(claim)

    def resolve_med(self, claim_id: Any, *, won: bool) -> dict[str, Any]:
        claim = self._claim(claim_id)
        if claim["status"] == "closed":
            raise bad_request(400, "This claim is already closed")
        now = self.emu.store.now()
        claim.update(status="closed", last_updated=iso(now), resolution={
            "reason": "payment_valid" if won else "refund_to_payer",
            "benefited": ["respondent" if won else "complainant"], "date_created": iso(now)})
        for player in claim["players"]:
            player["available_actions"] = []
        payment = self.emu.payment(claim["resource_id"])
        owner = self.emu.store.owner_of(payment["id"])
        if not won:  # the MED gives the money back to the payer
            pay.add_refund(payment, self.emu.store.next_refund_id(), None, now)
            self.emu.notifier.emit(payment, owner, "payment.updated")
        self._notify_claim(claim, payment, owner)
        return copy.deepcopy(claim)

    def claim(self, claim_id: Any, account: Account | None = None) -> dict[str, Any]:
        found = self._claim(claim_id)
        if account is not None and self.owner[f"claim:{found['id']}"] != account.access_token:
            raise not_found("Claim")
        return copy.deepcopy(found)

    def _claim(self, claim_id: Any) -> dict[str, Any]:
        try:
            found = self.claims.get(int(claim_id))
        except (TypeError, ValueError):
            found = None
        if found is None:
            raise not_found("Claim")
        return found

    def _notify_claim(self, claim: dict[str, Any], payment: dict[str, Any],
                      owner: Account) -> None:
        data = {"id": str(claim["id"]), "resource": f"/post-purchase/v1/claims/{claim['id']}"}
        self.emu.notifier.emit_topic(topic="topic_claims_integration_wh",
                                     data_id=str(claim["id"]), data=data, payment=payment,
                                     account=owner, extra={"action": "claims.updated"})
