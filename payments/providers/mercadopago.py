"""The one module that talks to Mercado Pago, through the official SDK.

Errors come out as `ProviderError(permanent=...)` so callers know whether a retry can help
(Healthchecks' `TransportError` idea). `MercadoPagoProvider` at the end is the platform
account's implementation of payments.providers.base.PaymentProvider.
"""

from __future__ import annotations

import threading
from datetime import datetime
from decimal import Decimal
from typing import Any

import mercadopago
import requests
from django.conf import settings
from mercadopago.config import RequestOptions
from mercadopago.config.config import Config
from mercadopago.config.defaults import DEFAULT_RETRY_ON
from mercadopago.core import MPBase
from mercadopago.http import HttpClient
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from payments.providers.base import (
    Charge,
    ChargeRequest,
    ChargeStatus,
    ProviderError,
    RefundInfo,
    WebhookNotice,
    WebhookRejected,
)

_OFFICIAL_BASE = Config().api_base_url


class _ConfiguredBaseHttpClient(HttpClient):
    """Sends the SDK's calls to MERCADOPAGO_API_BASE_URL (the sandbox in tests and demos),
    over kept-alive connections.

    The SDK's own client makes a new `requests.Session` per call: a new TCP (and TLS)
    connection for every payment a webhook drain re-reads. This one keeps one session per
    thread and retry policy (sessions are not thread-safe), mounted as the SDK mounts its own
    (its retry adapter on https), and answers in the SDK's shape.
    """

    _local = threading.local()

    def request(self, method: str, url: str, maxretries: Any = None,  # type: ignore[override]
                retry_on: Any = None, backoff_factor: Any = None, **kwargs: Any) -> Any:
        from mercadopago.errors.exceptions import MPServerError

        base = settings.MERCADOPAGO_API_BASE_URL
        if url.startswith(_OFFICIAL_BASE) and base != _OFFICIAL_BASE:
            url = base + url[len(_OFFICIAL_BASE):]
        reply = self._session(maxretries, retry_on, backoff_factor).request(method, url,
                                                                            **kwargs)
        response: dict[str, Any] = {"status": reply.status_code, "response": None}
        if reply.status_code != 204 and reply.content:
            try:
                response["response"] = reply.json()
            except ValueError as exc:
                raise MPServerError(reply.status_code, {
                    "message": "Invalid JSON in response body",
                    "error": "invalid_response"}) from exc
        return response

    @classmethod
    def _session(cls, maxretries: Any, retry_on: Any, backoff_factor: Any) -> requests.Session:
        key = (maxretries, tuple(retry_on) if retry_on is not None else None, backoff_factor)
        sessions = cls._local.__dict__.setdefault("sessions", {})
        if (session := sessions.get(key)) is None:
            retry = Retry(total=maxretries,
                          status_forcelist=retry_on if retry_on is not None
                          else DEFAULT_RETRY_ON,
                          backoff_factor=backoff_factor if backoff_factor is not None else 0)
            session = sessions[key] = requests.Session()
            session.mount("https://", HTTPAdapter(max_retries=retry))
        return session


def _sdk(token: str | None = None) -> mercadopago.SDK:
    """The SDK with the platform's token, or a connected shop's (`token`, from OAuth)."""
    token = token or settings.MERCADOPAGO_ACCESS_TOKEN
    if not token:
        raise ProviderError("MERCADOPAGO_ACCESS_TOKEN is not set", permanent=True)
    return mercadopago.SDK(token, http_client=_ConfiguredBaseHttpClient())


def _options(idempotency_key: str | None = None, token: str | None = None) -> RequestOptions:
    headers = {"x-idempotency-key": idempotency_key} if idempotency_key else None
    return RequestOptions(access_token=token or settings.MERCADOPAGO_ACCESS_TOKEN,
                          custom_headers=headers)


def _unwrap(result: dict) -> dict:
    status, body = result.get("status", 0), result.get("response") or {}
    if 200 <= status < 300:
        return body
    message = body.get("message") if isinstance(body, dict) else str(body)
    raise ProviderError(f"Mercado Pago answered {status}: {message}",
                        permanent=400 <= status < 500 and status != 429, status=status)


def _call(fn: Any, *args: Any) -> dict:
    try:
        return _unwrap(fn(*args))
    except ProviderError:
        raise
    except Exception as exc:  # network errors from requests, JSON errors from the SDK
        raise ProviderError(f"Mercado Pago unreachable: {exc.__class__.__name__}",
                            permanent=False) from exc


def cents_to_amount(cents: int) -> float:
    # MP takes a JSON number in reais; two decimals are exact for any centavo amount.
    return float(Decimal(cents) / 100)


def amount_to_cents(amount: Any) -> int:
    return int((Decimal(str(amount)) * 100).to_integral_value())


def create_pix(*, reference: str, amount_cents: int, description: str, payer_email: str,
               expires_at: datetime, notification_url: str,
               metadata: dict | None = None, token: str | None = None,
               application_fee_cents: int = 0) -> dict:
    data = {
        "transaction_amount": cents_to_amount(amount_cents),
        "payment_method_id": "pix",
        "description": description[:255],
        "external_reference": reference,
        "notification_url": notification_url,
        "date_of_expiration": expires_at.isoformat(timespec="milliseconds"),
        "payer": {"email": payer_email},
        "metadata": metadata or {},
    }
    if application_fee_cents:  # marketplace split: Mercado Pago pays us this from the sale
        data["application_fee"] = cents_to_amount(application_fee_cents)
    # The key derives from our payment id: a retried call returns the first charge.
    return _call(lambda d: _sdk(token).payment().create(
        d, _options(f"vitrine-pix-{reference}", token)), data)


def get_payment(provider_payment_id: str, token: str | None = None) -> dict:
    return _call(lambda pid: _sdk(token).payment().get(pid, _options(token=token)),
                 provider_payment_id)


def get_chargeback(chargeback_id: str) -> dict:
    """GET /v1/chargebacks/{id}: amount, payments, documentation deadline, coverage_applied
    (null while open, true when decided for the seller, false against)."""
    return _call(lambda cid: _sdk().chargeback().get(cid, _options()), chargeback_id)


class _Claims(MPBase):
    """The SDK has no claims resource; this is one, built the way its own resources are."""

    def get(self, claim_id: str) -> dict:
        return self._get(uri="/post-purchase/v1/claims/" + self._path_param(claim_id),
                         request_options=_options())


def get_claim(claim_id: str) -> dict:
    """GET /post-purchase/v1/claims/{id}: the claim a PIX MED return opens on a payment."""
    return _call(lambda cid: _Claims(_options(), _ConfiguredBaseHttpClient()).get(cid),
                 claim_id)


def create_preference(*, reference: str, amount_cents: int, currency: str, title: str,
                      payer_email: str, back_url: str, notification_url: str,
                      statement_descriptor: str, expires_at: datetime | None,
                      metadata: dict | None = None, token: str | None = None,
                      marketplace_fee_cents: int = 0) -> dict:
    """Checkout Pro: the buyer pays by card on Mercado Pago's page and comes back to `back_url`."""
    data: dict[str, Any] = {
        "items": [{"id": reference, "title": title[:250], "quantity": 1,
                   "unit_price": cents_to_amount(amount_cents), "currency_id": currency}],
        "payer": {"email": payer_email},
        "external_reference": reference,
        "notification_url": notification_url,
        "back_urls": {"success": back_url, "failure": back_url, "pending": back_url},
        "auto_return": "approved",
        "statement_descriptor": statement_descriptor[:22],
        "payment_methods": {"excluded_payment_types": [{"id": "ticket"}, {"id": "atm"}]},
        "metadata": metadata or {},
    }
    if expires_at is not None:
        data["expires"] = True
        data["expiration_date_to"] = expires_at.isoformat(timespec="milliseconds")
    if marketplace_fee_cents:  # Checkout Pro's name for the marketplace split
        data["marketplace_fee"] = cents_to_amount(marketplace_fee_cents)
    return _call(lambda d: _sdk(token).preference().create(
        d, _options(f"vitrine-pref-{reference}", token)), data)


def search_by_reference(reference: str, token: str | None = None) -> list[dict]:
    """Every provider payment carrying our external_reference, newest first."""
    filters = {"external_reference": reference, "sort": "date_created", "criteria": "desc"}
    body = _call(lambda f: _sdk(token).payment().search(f, _options(token=token)), filters)
    return list(body.get("results") or [])


def cancel_payment(provider_payment_id: str, token: str | None = None) -> dict:
    return _call(lambda pid: _sdk(token).payment().update(
        pid, {"status": "cancelled"}, _options(token=token)), provider_payment_id)


def refund_payment(*, provider_payment_id: str, amount_cents: int | None,
                   idempotency_key: str, token: str | None = None) -> dict:
    """Full refund when `amount_cents` is None, partial otherwise."""
    body = None if amount_cents is None else {"amount": cents_to_amount(amount_cents)}
    return _call(lambda pid: _sdk(token).refund().create(
        pid, body, _options(idempotency_key, token)), provider_payment_id)


# --- Subscriptions (preapproval): Mercado Pago charges a card every period ------------------
def create_preapproval(*, reference: str, reason: str, payer_email: str, amount_cents: int,
                       currency: str, months: int, back_url: str, notification_url: str,
                       trial_days: int = 0) -> dict:
    """A subscription the buyer authorizes with their card on its `init_point`."""
    recurring: dict[str, Any] = {"frequency": months, "frequency_type": "months",
                                 "transaction_amount": cents_to_amount(amount_cents),
                                 "currency_id": currency}
    if trial_days:
        recurring["free_trial"] = {"frequency": trial_days, "frequency_type": "days"}
    data = {"reason": reason[:255], "external_reference": reference, "payer_email": payer_email,
            "back_url": back_url, "auto_recurring": recurring, "status": "pending",
            "notification_url": notification_url}
    return _call(lambda d: _sdk().preapproval().create(d, _options(f"vitrine-sub-{reference}")),
                 data)


def get_preapproval(preapproval_id: str) -> dict:
    return _call(lambda pid: _sdk().preapproval().get(pid, _options()), preapproval_id)


def update_preapproval(preapproval_id: str, *, status: str | None = None,
                       amount_cents: int | None = None) -> dict:
    data: dict[str, Any] = {}
    if status:
        data["status"] = status
    if amount_cents is not None:
        data["auto_recurring"] = {"transaction_amount": cents_to_amount(amount_cents)}
    return _call(lambda pid: _sdk().preapproval().update(pid, data, _options()), preapproval_id)


def get_authorized_payment(authorized_payment_id: str) -> dict:
    """One period's charge of a subscription (the SDK calls it an invoice)."""
    return _call(lambda aid: _sdk().invoice().get(aid, _options()), authorized_payment_id)


# --- The provider interface ------------------------------------------------------------------
STATUSES = {
    "pending": ChargeStatus.PENDING, "in_process": ChargeStatus.IN_PROCESS,
    "authorized": ChargeStatus.IN_PROCESS, "approved": ChargeStatus.APPROVED,
    "rejected": ChargeStatus.REJECTED, "refunded": ChargeStatus.REFUNDED,
    "charged_back": ChargeStatus.CHARGED_BACK, "cancelled": ChargeStatus.CANCELLED,
}


def map_status(status: str | None, detail: str = "") -> str | None:
    """Our status for Mercado Pago's status/status_detail (None: nothing to do)."""
    if status == "cancelled" and detail == "expired":
        return ChargeStatus.EXPIRED
    return STATUSES.get(status or "")


def _cents_or_none(amount: Any) -> int | None:
    try:
        return amount_to_cents(amount)
    except Exception:  # missing or non-numeric amount
        return None


def _email(value: Any) -> str:
    return value.strip().lower()[:254] if isinstance(value, str) and "@" in value else ""


def to_charge(data: dict) -> Charge:
    """A Mercado Pago payment (as GET /v1/payments/{id} returns it) in our terms."""
    refunds = []
    for item in data.get("refunds") or []:
        cents = _cents_or_none(item.get("amount") or 0) or 0
        if item.get("id") and cents > 0:
            refunds.append(RefundInfo(provider_refund_id=str(item["id"]), amount_cents=cents))
    tx = (data.get("point_of_interaction") or {}).get("transaction_data") or {}
    return Charge(
        provider_payment_id=str(data.get("id") or ""),
        status=map_status(data.get("status"), data.get("status_detail") or ""),
        status_detail=data.get("status_detail") or "",
        amount_cents=_cents_or_none(data.get("transaction_amount")),
        currency=str(data.get("currency_id") or ""),
        reference=str(data.get("external_reference") or ""),
        tenant_id=str((data.get("metadata") or {}).get("tenant_id") or ""),
        refunded_cents=_cents_or_none(data.get("transaction_amount_refunded") or 0) or 0,
        refunds=tuple(refunds), pix_code=tx.get("qr_code") or "", raw=data,
        payer_email=_email((data.get("payer") or {}).get("email")),
        application_fee_cents=sum(_cents_or_none(fee.get("amount") or 0) or 0
                                  for fee in data.get("fee_details") or []
                                  if fee.get("type") == "application_fee"),
    )


class MercadoPagoProvider:
    """The platform's own Mercado Pago account: PIX (API) and card (Checkout Pro)."""

    name = "mercadopago"
    methods = frozenset({"pix", "card"})

    def is_configured(self) -> bool:
        return bool(settings.MERCADOPAGO_ACCESS_TOKEN)

    def create_charge(self, request: ChargeRequest) -> Charge:
        if request.method == "pix":
            if request.expires_at is None:
                raise ProviderError("PIX needs an expiry", permanent=True)
            return to_charge(create_pix(
                reference=request.reference, amount_cents=request.amount_cents,
                description=request.description, payer_email=request.payer_email,
                expires_at=request.expires_at, notification_url=request.notification_url,
                metadata=request.metadata))
        if request.method != "card":
            raise ProviderError(f"method {request.method} not offered", permanent=True)
        body = create_preference(
            reference=request.reference, amount_cents=request.amount_cents,
            currency=request.currency, title=request.description,
            payer_email=request.payer_email, back_url=request.return_url,
            notification_url=request.notification_url,
            statement_descriptor=request.statement_descriptor,
            expires_at=request.expires_at, metadata=request.metadata)
        # A preference is not a payment: its payments (one per card attempt) come later.
        return Charge(provider_payment_id="", status=ChargeStatus.PENDING, status_detail="",
                      amount_cents=request.amount_cents, currency=request.currency,
                      reference=request.reference,
                      tenant_id=str(request.metadata.get("tenant_id", "")),
                      checkout_url=body.get("init_point", ""),
                      checkout_id=str(body.get("id", "")), raw=body)

    def get_charge(self, provider_payment_id: str) -> Charge:
        return to_charge(get_payment(provider_payment_id))

    def find_charge(self, reference: str) -> Charge | None:
        found = search_by_reference(reference)
        # Card: several attempts per preference; an approved one wins over failed ones.
        found.sort(key=lambda p: p.get("status") != "approved")
        return to_charge(found[0]) if found else None

    def refund(self, *, provider_payment_id: str, amount_cents: int | None,
               idempotency_key: str) -> RefundInfo:
        body = refund_payment(provider_payment_id=provider_payment_id,
                              amount_cents=amount_cents, idempotency_key=idempotency_key)
        cents = _cents_or_none(body.get("amount") or 0) or 0
        return RefundInfo(provider_refund_id=str(body.get("id", "")), amount_cents=cents)

    def cancel(self, provider_payment_id: str) -> Charge:
        return to_charge(cancel_payment(provider_payment_id))

    def verify_webhook(self, *, body: bytes, headers: dict[str, str],
                       query: dict[str, str]) -> WebhookNotice:
        from payments import webhooks  # the fast path's own checks (payments/webhooks.py)

        lower = {k.lower(): v for k, v in headers.items()}
        try:
            note = webhooks.parse(query=query, body=body)
            webhooks.verify_signature(header=lower.get("x-signature", ""),
                                      data_id=query.get("data.id", note.data_id),
                                      request_id=lower.get("x-request-id", ""))
        except webhooks.Rejected as exc:
            raise WebhookRejected(exc.status, exc.reason) from None
        return WebhookNotice(event_id=note.event_id, topic=note.topic, action=note.action,
                             data_id=note.data_id, payload=note.payload)


def sandbox_approve(provider_payment_id: str) -> dict:
    """Approve a payment through the sandbox emulator's control API (`make run`'s "Simulate
    payment"); the emulator then sends its signed webhook like Mercado Pago would. Refused
    unless MERCADOPAGO_SANDBOX is on: a real account has no such endpoint."""
    import requests

    if not settings.MERCADOPAGO_SANDBOX:
        raise ProviderError("MERCADOPAGO_SANDBOX is off", permanent=True)
    if not str(provider_payment_id).isdigit():
        raise ProviderError("not a Mercado Pago payment id", permanent=True)
    url = (f"{settings.MERCADOPAGO_API_BASE_URL.rstrip('/')}"
           f"/_sandbox/payments/{int(provider_payment_id)}/approve")
    try:
        response = requests.post(url, json={}, timeout=10)
    except requests.RequestException as exc:
        raise ProviderError(f"Mercado Pago sandbox unreachable: {exc.__class__.__name__}",
                            permanent=False) from exc
    if response.status_code >= 300:
        raise ProviderError(f"Mercado Pago sandbox answered {response.status_code}",
                            permanent=response.status_code < 500, status=response.status_code)
    return response.json()
