"""Who clicked an affiliate's link, as Discord says: the OAuth2 authorization-code flow with the
`identify` scope on the platform's Discord application (the one the portal signs in with), the
one outside call of affiliates, wrapped here (DESIGN.md: one small module per outside service).

Only the Discord user id is read; the access token is used once and thrown away."""

from __future__ import annotations

from urllib.parse import urlencode

import requests
from django.conf import settings

TIMEOUT = 10


class IdentityError(Exception):
    """Discord did not say who it was (denied, a stale code, Discord down); `permanent` says
    whether asking again can help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def configured() -> bool:
    return bool(settings.DISCORD_CLIENT_ID and settings.DISCORD_CLIENT_SECRET)


def authorize_url(*, redirect_uri: str, state: str) -> str:
    # prompt=none: someone who authorized once goes straight through on later links.
    query = urlencode({"client_id": settings.DISCORD_CLIENT_ID, "redirect_uri": redirect_uri,
                       "response_type": "code", "scope": "identify", "state": state,
                       "prompt": "none"})
    return f"{settings.DISCORD_OAUTH_AUTHORIZE_URL}?{query}"


def user_id_for_code(*, code: str, redirect_uri: str) -> str:
    api = settings.DISCORD_API_BASE_URL
    try:
        token = requests.post(f"{api}/oauth2/token", timeout=TIMEOUT, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
            auth=(settings.DISCORD_CLIENT_ID, settings.DISCORD_CLIENT_SECRET))
        if token.status_code != 200:
            raise IdentityError(f"token: {token.status_code}", permanent=token.status_code < 500)
        me = requests.get(f"{api}/users/@me", timeout=TIMEOUT, headers={
            "Authorization": f"Bearer {token.json()['access_token']}"})
    except (requests.RequestException, ValueError, KeyError) as exc:
        raise IdentityError(type(exc).__name__, permanent=False) from None
    if me.status_code != 200:
        raise IdentityError(f"users/@me: {me.status_code}", permanent=me.status_code < 500)
    user_id = str(me.json().get("id", ""))
    if not user_id.isdigit():
        raise IdentityError("no user id", permanent=True)
    return user_id
