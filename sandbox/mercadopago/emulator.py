"""The emulator's operations: what the API routes, control API and test fixture call.

Keeps HTTP concerns out (routes parse requests, this class works on dicts) and fires a
webhook after every creation or status change. Runs on the event loop thread only.
"""

from __future__ import annotations

import base64
import copy
import io
import uuid
from decimal import Decimal
from typing import Any

import segno

from . import oauth_state as oauth
from . import payments as pay
from .brcode import build_pix_payload
from .disputes import Disputes
from .errors import MPError, bad_request, not_found, unauthorized
from .preapproval import Preapprovals
from .store import Account, SandboxConfig, Store, iso, parse_iso
from .webhooks import Notifier


class Emulator:
    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.store = Store(self.config)
        self.notifier = Notifier(self.store)
        self.preapprovals = Preapprovals(self)
        self.disputes = Disputes(self)

    def reset(self) -> None:
        self.store.reset()
        self.notifier.reset()
        self.preapprovals.reset()
        self.disputes.reset()

    # -- auth ------------------------------------------------------------------------------
    def authenticate(self, authorization: str | None) -> Account:
        if not authorization:
            raise unauthorized("must provide your access_token to proceed")
        scheme, _, token = authorization.partition(" ")
        account = self.store.account_for_token(token.strip()) if scheme == "Bearer" else None
        if account is None:
            raise unauthorized()
        if oauth.token_usable(self, account.access_token) is False:
            # MP answers an expired or revoked seller token with 401 like any bad token.
            raise unauthorized("expired or revoked access token")
        return account

    # -- payments --------------------------------------------------------------------------
    def create_payment(
        self,
        account: Account,
        body: Any,
        idempotency_key: str | None,
        base_url: str,
        *,
        notify: bool = True,
    ) -> tuple[int, dict[str, Any]]:
        """POST /v1/payments. A reused idempotency key replays the original answer."""
        key = (account.access_token, "payments", idempotency_key or "")
        if idempotency_key and key in self.store.idempotency:
            return self.store.idempotency[key]
        checked = pay.validate_create(body)
        fee = self._application_fee(account, body, checked["amount"])
        now = self.store.now()
        expiration = None
        if body.get("date_of_expiration"):
            try:
                expiration = parse_iso(body["date_of_expiration"])
            except ValueError as exc:
                raise bad_request(4051, "date_of_expiration has an invalid format") from exc
        elif checked["method"] == "pix":
            expiration = now + pay.PIX_DEFAULT_TTL
        payment = pay.build_payment(
            payment_id=self.store.next_payment_id(),
            body=body,
            checked=checked,
            collector_id=account.collector_id,
            now=now,
            expiration=expiration,
        )
        if fee is not None:
            self.store.application_fees[payment["id"]] = fee
        if checked["method"] == "pix":
            self._attach_pix(payment, account, base_url)
        else:
            self._settle_card(payment, body)
        self.store.payments[payment["id"]] = payment
        self.store.payment_owner[payment["id"]] = account.access_token
        result = (201, copy.deepcopy(payment))
        if idempotency_key:
            self.store.idempotency[key] = result
        if notify:
            self.notifier.emit(payment, account, "payment.created")
        return result

    def _application_fee(self, account: Account, body: dict[str, Any],
                         amount: Decimal) -> Decimal | None:
        """`application_fee`: the marketplace's cut, only on a token issued through OAuth."""
        if body.get("application_fee") in (None, 0):
            return None
        if oauth.grant_for_token(self, account.access_token) is None:
            raise bad_request(4390, "application_fee needs a marketplace seller's token")
        fee = pay.parse_amount(body["application_fee"], "application_fee")
        if fee >= amount:
            raise bad_request(4391, "application_fee must be less than transaction_amount")
        return fee

    def _collect_fee(self, payment: dict[str, Any]) -> None:
        """At approval MP splits: the seller keeps the net, the marketplace its fee."""
        fee = self.store.application_fees.get(payment["id"])
        if fee is None:
            return
        payment["fee_details"].append(
            {"type": "application_fee", "amount": fee, "fee_payer": "collector"})
        payment["transaction_details"]["net_received_amount"] -= fee
        grant = oauth.grant_for_token(self, self.store.payment_owner[payment["id"]])
        oauth.state(self).marketplace_fees.append(
            {"payment_id": payment["id"], "client_id": grant.client_id if grant else "",
             "seller": payment["collector_id"], "amount": fee})

    def _attach_pix(self, payment: dict[str, Any], account: Account, base_url: str) -> None:
        qr_code = build_pix_payload(
            amount=payment["transaction_amount"],
            merchant_name=account.merchant_name,
            merchant_city=account.merchant_city,
            txid=f"MPSANDBOX{payment['id']}",
            location_id=str(uuid.uuid4()),
        )
        png = io.BytesIO()
        segno.make(qr_code, error="m", micro=False).save(png, kind="png", scale=5, border=2)
        ticket = f"{base_url}/payments/{payment['id']}/ticket?caller_id={account.collector_id}"
        payment["point_of_interaction"] = {
            "type": "OPENPLATFORM",
            "sub_type": None,
            "application_data": {"name": None, "version": None},
            "transaction_data": {
                "qr_code": qr_code,
                "qr_code_base64": base64.b64encode(png.getvalue()).decode("ascii"),
                "ticket_url": f"{ticket}&hash={uuid.uuid4()}",
                "transaction_id": None,
                "bank_transfer_id": None,
                "financial_institution": None,
                "e2e_id": None,
                "bank_info": {
                    "payer": {},
                    # CollectorBankInfo in the SDK's payment/commonTypes.d.ts
                    "collector": {
                        "account_id": account.collector_id,
                        "long_name": "MERCADO PAGO INSTITUIÇÃO DE PAGAMENTO LTDA.",
                    },
                },
            },
        }

    def _settle_card(self, payment: dict[str, Any], body: dict[str, Any]) -> None:
        """Cards are decided synchronously, like MP's card acquirer answer."""
        status, detail = pay.card_outcome(body)
        payment["card"] = {
            "first_six_digits": "503143",
            "last_four_digits": "6351",
            "expiration_month": 11,
            "expiration_year": 2030,
            "cardholder": {"name": status_code_name(body), "identification": {}},
        }
        payment["date_of_expiration"] = None
        if status == "approved":
            pay.approve(payment, self.store.now(), Decimal(self.config.card_fee_rate))
            self._collect_fee(payment)
        else:
            pay.set_status(payment, status, detail, self.store.now())

    def payment(self, payment_id: Any, account: Account | None = None) -> dict[str, Any]:
        """Fetch a payment; with an account, only its own (others look like 404, as in MP)."""
        self.expire_due()
        try:
            pid = int(payment_id)
        except (TypeError, ValueError):
            raise not_found("Payment") from None
        found = self.store.payments.get(pid)
        if found is None or (account and self.store.payment_owner[pid] != account.access_token):
            raise not_found("Payment")
        return found

    def search(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        self.expire_due()
        mine = [
            p
            for pid, p in self.store.payments.items()
            if self.store.payment_owner[pid] == account.access_token
        ]
        for name in (
            "external_reference",
            "status",
            "status_detail",
            "payment_method_id",
            "payment_type_id",
            "id",
        ):
            if name in params:
                mine = [p for p in mine if str(p.get(name)) == params[name]]
        reverse = params.get("criteria", "desc") == "desc"
        sort = params.get("sort", "date_created")
        if sort not in ("date_created", "date_approved", "date_last_updated", "id"):
            sort = "date_created"
        mine.sort(key=lambda p: (str(p.get(sort) or ""), p["id"]), reverse=reverse)
        offset, limit = _int_param(params, "offset", 0), _int_param(params, "limit", 30)
        page = mine[offset : offset + limit]
        return {"paging": {"total": len(mine), "limit": limit, "offset": offset}, "results": page}

    def update_payment(self, account: Account, payment_id: Any, body: Any) -> dict[str, Any]:
        """PUT /v1/payments/{id}: only cancelling an open payment is emulated."""
        found = self.payment(payment_id, account)
        if not isinstance(body, dict) or body.get("status") != "cancelled":
            raise bad_request(
                4305, "Only {'status': 'cancelled'} updates are supported", "Invalid update"
            )
        return self.cancel(found["id"])

    # -- status changes (also the control API) --------------------------------------------
    def _change(
        self, payment_id: Any, allowed: set[str], action: str, status: str, detail: str
    ) -> dict[str, Any]:
        found = self.payment(payment_id)
        pay.require_status(found, allowed, action)
        if status == "approved":
            rate = (
                self.config.pix_fee_rate
                if found["payment_method_id"] == "pix"
                else (self.config.card_fee_rate)
            )
            pay.approve(found, self.store.now(), Decimal(rate))
            self._collect_fee(found)
        else:
            pay.set_status(found, status, detail, self.store.now())
        self.notifier.emit(found, self.store.owner_of(found["id"]), "payment.updated")
        return found

    def approve(self, payment_id: Any) -> dict[str, Any]:
        return self._change(payment_id, pay.OPEN_STATUSES, "approved", "approved", "accredited")

    def reject(self, payment_id: Any, detail: str = "cc_rejected_other_reason") -> dict[str, Any]:
        return self._change(payment_id, pay.OPEN_STATUSES, "rejected", "rejected", detail)

    def expire(self, payment_id: Any) -> dict[str, Any]:
        return self._change(payment_id, pay.OPEN_STATUSES, "expired", "cancelled", "expired")

    def cancel(self, payment_id: Any) -> dict[str, Any]:
        return self._change(payment_id, pay.OPEN_STATUSES, "cancelled", "cancelled", "by_collector")

    def charge_back(self, payment_id: Any, detail: str = "settled") -> dict[str, Any]:
        return self._change(
            payment_id, {"approved", "in_mediation"}, "charged back", "charged_back", detail
        )

    def mediation(self, payment_id: Any) -> dict[str, Any]:
        return self._change(
            payment_id, {"approved"}, "put in mediation", "in_mediation", "in_process"
        )

    def refund(self, payment_id: Any, amount: Any = None) -> dict[str, Any]:
        found = self.payment(payment_id)
        value = None if amount is None else pay.parse_amount(amount, "amount")
        refund = pay.add_refund(found, self.store.next_refund_id(), value, self.store.now())
        self.notifier.emit(found, self.store.owner_of(found["id"]), "payment.updated")
        return refund

    def create_refund(
        self, account: Account, payment_id: Any, body: Any, idempotency_key: str | None
    ) -> tuple[int, dict[str, Any]]:
        found = self.payment(payment_id, account)
        key = (account.access_token, f"refunds/{found['id']}", idempotency_key or "")
        if idempotency_key and key in self.store.idempotency:
            return self.store.idempotency[key]
        if body is not None and not isinstance(body, dict):
            raise bad_request(400, "The body must be a JSON object")
        refund = self.refund(found["id"], (body or {}).get("amount"))
        result = (201, copy.deepcopy(refund))
        if idempotency_key:
            self.store.idempotency[key] = result
        return result

    def expire_due(self) -> None:
        """Lazy expiry: open PIX payments past date_of_expiration become cancelled/expired."""
        now = self.store.now()
        for found in list(self.store.payments.values()):
            deadline = found.get("date_of_expiration")
            if found["status"] == "pending" and deadline and parse_iso(deadline) <= now:
                # set directly: going through _change() would re-enter expire_due()
                pay.set_status(found, "cancelled", "expired", now)
                self.notifier.emit(found, self.store.owner_of(found["id"]), "payment.updated")

    def advance_clock(self, seconds: float) -> str:
        self.store.advance_clock(seconds)
        self.expire_due()
        return iso(self.store.now())


def status_code_name(body: dict[str, Any]) -> str:
    """Cardholder name shown on the card: the MP test code that drove the outcome."""
    haystack = f"{body.get('token', '')} {(body.get('payer') or {}).get('first_name', '')}"
    return next((code for code in pay.CARD_OUTCOMES if code in haystack.upper()), "APRO")


def _int_param(params: dict[str, str], name: str, default: int) -> int:
    try:
        return max(0, int(params.get(name, default)))
    except ValueError:
        raise MPError(400, f"Invalid {name}", "bad_request") from None
