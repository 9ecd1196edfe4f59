"""The one module that talks to Mercado Pago, through the official SDK.

Errors come out as `ProviderError(permanent=...)` so callers know whether a retry can help
(Healthchecks' `TransportError` idea).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import mercadopago
from django.conf import settings
from mercadopago.config import RequestOptions
from mercadopago.config.config import Config
from mercadopago.http import HttpClient

_OFFICIAL_BASE = Config().api_base_url


class ProviderError(Exception):
    def __init__(self, message: str, *, permanent: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.status = status


class _ConfiguredBaseHttpClient(HttpClient):
    """Sends the SDK's calls to MERCADOPAGO_API_BASE_URL (the sandbox in tests and demos)."""

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        base = settings.MERCADOPAGO_API_BASE_URL
        if url.startswith(_OFFICIAL_BASE) and base != _OFFICIAL_BASE:
            url = base + url[len(_OFFICIAL_BASE):]
        return super().request(method, url, *args, **kwargs)


def _sdk() -> mercadopago.SDK:
    if not settings.MERCADOPAGO_ACCESS_TOKEN:
        raise ProviderError("MERCADOPAGO_ACCESS_TOKEN is not set", permanent=True)
    return mercadopago.SDK(settings.MERCADOPAGO_ACCESS_TOKEN,
                           http_client=_ConfiguredBaseHttpClient())


def _options(idempotency_key: str | None = None) -> RequestOptions:
    headers = {"x-idempotency-key": idempotency_key} if idempotency_key else None
    return RequestOptions(access_token=settings.MERCADOPAGO_ACCESS_TOKEN,
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
               metadata: dict | None = None) -> dict:
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
    # The key derives from our payment id: a retried call returns the first charge.
    return _call(lambda d: _sdk().payment().create(d, _options(f"vitrine-pix-{reference}")),
                 data)


def get_payment(provider_payment_id: str) -> dict:
    return _call(lambda pid: _sdk().payment().get(pid, _options()), provider_payment_id)


def create_preference(*, reference: str, amount_cents: int, currency: str, title: str,
                      payer_email: str, back_url: str, notification_url: str,
                      statement_descriptor: str, expires_at: datetime | None,
                      metadata: dict | None = None) -> dict:
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
    return _call(lambda d: _sdk().preference().create(
        d, _options(f"vitrine-pref-{reference}")), data)


def search_by_reference(reference: str) -> list[dict]:
    """Every provider payment carrying our external_reference, newest first."""
    filters = {"external_reference": reference, "sort": "date_created", "criteria": "desc"}
    body = _call(lambda f: _sdk().payment().search(f, _options()), filters)
    return list(body.get("results") or [])


def cancel_payment(provider_payment_id: str) -> dict:
    return _call(lambda pid: _sdk().payment().update(pid, {"status": "cancelled"}, _options()),
                 provider_payment_id)


def refund_payment(*, provider_payment_id: str, amount_cents: int | None,
                   idempotency_key: str) -> dict:
    """Full refund when `amount_cents` is None, partial otherwise."""
    body = None if amount_cents is None else {"amount": cents_to_amount(amount_cents)}
    return _call(lambda pid: _sdk().refund().create(pid, body, _options(idempotency_key)),
                 provider_payment_id)
