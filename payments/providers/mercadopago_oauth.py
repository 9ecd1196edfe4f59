"""Mercado Pago's OAuth for marketplaces: the consent URL and POST /oauth/token.

Published contract (Mercado Pago Developers, "OAuth" reference): the seller consents at
`auth.mercadopago.com/authorization?client_id=&response_type=code&platform_id=mp&state=
&redirect_uri=`, comes back with `?code=&state=`; `POST /oauth/token` exchanges the code
(`grant_type=authorization_code`, client_id, client_secret, code, redirect_uri) or a refresh
token (`grant_type=refresh_token`) for `{access_token, refresh_token, expires_in, user_id,
public_key, scope, live_mode}`. Each refresh returns a new refresh token: store it every time.
The SDK has no OAuth client for this, so this module is the one that speaks it (requests).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.utils import timezone

from payments.providers.base import ProviderError

TIMEOUT = 10


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    refresh_token: str
    user_id: str
    public_key: str
    scope: str
    live_mode: bool
    expires_at: datetime


def is_configured() -> bool:
    return bool(settings.MERCADOPAGO_CLIENT_ID and settings.MERCADOPAGO_CLIENT_SECRET)


def authorize_url(*, state: str, redirect_uri: str) -> str:
    query = {"client_id": settings.MERCADOPAGO_CLIENT_ID, "response_type": "code",
             "platform_id": "mp", "state": state, "redirect_uri": redirect_uri}
    return f"{settings.MERCADOPAGO_OAUTH_AUTHORIZE_URL}?{urlencode(query)}"


def exchange_code(*, code: str, redirect_uri: str) -> TokenGrant:
    return _token({"grant_type": "authorization_code", "code": code,
                   "redirect_uri": redirect_uri})


def refresh(*, refresh_token: str) -> TokenGrant:
    return _token({"grant_type": "refresh_token", "refresh_token": refresh_token})


def _token(fields: dict[str, str]) -> TokenGrant:
    if not is_configured():
        raise ProviderError("MERCADOPAGO_CLIENT_ID/SECRET are not set", permanent=True)
    body = {"client_id": settings.MERCADOPAGO_CLIENT_ID,
            "client_secret": settings.MERCADOPAGO_CLIENT_SECRET, **fields}
    url = f"{settings.MERCADOPAGO_API_BASE_URL.rstrip('/')}/oauth/token"
    try:
        response = requests.post(url, json=body, timeout=TIMEOUT,
                                 headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise ProviderError(f"Mercado Pago OAuth unreachable: {exc.__class__.__name__}",
                            permanent=False) from exc
    try:
        data = response.json()
    except ValueError:
        data = {}
    if response.status_code >= 300 or not isinstance(data, dict):
        error = data.get("error", "") if isinstance(data, dict) else ""
        # invalid_grant / invalid_client: the grant is gone (revoked, used, wrong app).
        raise ProviderError(f"Mercado Pago OAuth answered {response.status_code}: {error}",
                            permanent=400 <= response.status_code < 500
                            and response.status_code != 429, status=response.status_code)
    try:
        return TokenGrant(
            access_token=str(data["access_token"]), refresh_token=str(data["refresh_token"]),
            user_id=str(data["user_id"]), public_key=str(data.get("public_key") or ""),
            scope=str(data.get("scope") or ""), live_mode=bool(data.get("live_mode")),
            expires_at=timezone.now() + timedelta(seconds=int(data["expires_in"])))
    except (KeyError, TypeError, ValueError) as exc:
        raise ProviderError("Mercado Pago OAuth answer without a token", permanent=False,
                            status=response.status_code) from exc
