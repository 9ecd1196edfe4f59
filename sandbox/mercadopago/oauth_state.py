"""OAuth state of the emulator (apps, codes, grants, token expiries): plain data the
emulator consults on every authenticated call; the routes are sandbox/mercadopago/oauth.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class OAuthApp:
    client_id: str
    client_secret: str


@dataclass
class Grant:
    """One seller's authorization of one application (what revoke removes)."""

    client_id: str
    user_id: str
    access_tokens: list[str] = field(default_factory=list)
    refresh_token: str = ""
    revoked: bool = False


@dataclass
class Code:
    client_id: str
    user_id: str
    redirect_uri: str
    expires_at: datetime


class OAuthState:
    """Apps, codes, grants and token expiries; lives on the emulator's store."""

    def __init__(self) -> None:
        self.apps: dict[str, OAuthApp] = {}
        self.codes: dict[str, Code] = {}
        self.grants: dict[tuple[str, str], Grant] = {}
        self.by_refresh: dict[str, Grant] = {}
        self.by_access: dict[str, Grant] = {}
        self.token_expiry: dict[str, datetime] = {}
        self.marketplace_fees: list[dict[str, Any]] = []


def state(emu: Any) -> OAuthState:
    store = emu.store
    if not hasattr(store, "oauth") or store.oauth is None:
        store.oauth = OAuthState()
        if emu.config.oauth_client_id:
            store.oauth.apps[emu.config.oauth_client_id] = OAuthApp(
                emu.config.oauth_client_id, emu.config.oauth_client_secret)
    return store.oauth


def token_usable(emu: Any, access_token: str) -> bool | None:
    """None: not an OAuth token; False: expired or revoked; True: usable."""
    oauth = state(emu)
    grant = oauth.by_access.get(access_token)
    if grant is None:
        return None
    return not grant.revoked and emu.store.now() < oauth.token_expiry[access_token]


def grant_for_token(emu: Any, access_token: str) -> Grant | None:
    return state(emu).by_access.get(access_token)
