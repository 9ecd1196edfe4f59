"""Demo seed data (`python -m sandbox.discord --demo`); tokens are fixed so docs can name them."""

from __future__ import annotations

from typing import Any

from sandbox.discord.models import INTENT_GUILD_MEMBERS, INTENT_MESSAGE_CONTENT
from sandbox.discord.state import SandboxState

DEMO_BOT_TOKEN = "sandbox-demo-bot-token"
DEMO_CLIENT_SECRET = "sandbox-demo-client-secret"
DEMO_REDIRECT_URIS = [
    "http://127.0.0.1:8000/accounts/discord/login/callback/",
    "http://localhost:8000/accounts/discord/login/callback/",
]


def seed_demo(state: SandboxState, extra_redirect_uris: list[str] | None = None) -> dict[str, Any]:
    owner = state.create_user("lojista", "Lojista Demo", "lojista@example.test")
    app = state.create_application(
        "Vitrine Demo Bot", DEMO_BOT_TOKEN, INTENT_GUILD_MEMBERS | INTENT_MESSAGE_CONTENT, owner.id
    )
    app.client_secret = DEMO_CLIENT_SECRET
    app.redirect_uris = list(DEMO_REDIRECT_URIS) + list(extra_redirect_uris or [])
    buyers = [
        state.create_user("alice", "Alice Compradora", "alice@example.test"),
        state.create_user("bruno", "Bruno", "bruno@example.test"),
    ]
    guild = state.create_guild("Vitrine Demo", owner.id, [app.id])
    state.create_channel(guild.id, "loja")
    state.create_role(guild.id, "Cliente VIP", permissions=0)
    for buyer in buyers:
        state.add_member(guild.id, buyer.id)
    return {
        "application_id": str(app.id),
        "bot_token": app.token,
        "client_id": str(app.id),
        "client_secret": app.client_secret,
        "guild_id": str(guild.id),
        "owner": {"id": str(owner.id), "username": owner.username,
                  "global_name": owner.global_name, "email": owner.email},
        "users": {u.username: str(u.id) for u in buyers},
    }


def demo_ids() -> dict[str, Any]:
    """The ids `--demo` seeds (application, guild, owner, buyers): deterministic per fresh
    state, so the platform's demo shop can be linked to them before the sandbox runs."""
    return seed_demo(SandboxState())


def demo_client_id() -> str:
    """The demo application's id (= OAuth2 client id)."""
    return demo_ids()["client_id"]
