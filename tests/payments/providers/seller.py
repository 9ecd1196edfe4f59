"""Helpers for shops' own Mercado Pago accounts: the sandbox's OAuth as the platform's app,
and a real connect flow (consent page -> code -> POST /oauth/token) through the services."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from payments import connect
from sandbox.mercadopago.store import SandboxConfig
from tests.payments.conftest import SECRET

CONFIG = SandboxConfig()
SELLER = "2001001001"


def use_sandbox_oauth(settings, sandbox) -> None:
    settings.MERCADOPAGO_CLIENT_ID = CONFIG.oauth_client_id
    settings.MERCADOPAGO_CLIENT_SECRET = CONFIG.oauth_client_secret
    settings.MERCADOPAGO_OAUTH_AUTHORIZE_URL = f"{sandbox.url}/authorization"
    settings.MERCADOPAGO_WEBHOOK_SECRET = SECRET


def consent(authorize_url: str, user_id: str = SELLER) -> tuple[str, str]:
    """What the seller's browser does on Mercado Pago's consent page: (callback URL, code)."""
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    base = authorize_url.split("?")[0]
    assert requests.get(authorize_url, timeout=5).status_code == 200
    answer = requests.post(base, data={"client_id": query["client_id"],
                                       "redirect_uri": query["redirect_uri"],
                                       "state": query["state"], "user_id": user_id},
                           allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    location = answer.headers["Location"]
    return location, parse_qs(urlsplit(location).query)["code"][0]


def connect_shop(tenant, actor, *, own: bool = True, user_id: str = SELLER):
    url, nonce = connect.connect_start(tenant=tenant)
    location, code = consent(url, user_id)
    state = parse_qs(urlsplit(location).query)["state"][0]
    connection = connect.connect_complete(tenant=tenant, actor=actor, code=code, state=state,
                                          expected_nonce=nonce)
    if own:
        connect.account_choose(tenant=tenant, actor=actor, own=True)
    return connection


@pytest.fixture
def seller_oauth(settings, mp):
    use_sandbox_oauth(settings, mp)
    return mp
