"""allauth adapters: Discord sign-in creates accounts; email sign-up stays closed by default."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Shop owners come through Discord; operators are created by operators.
        return settings.ACCOUNT_ALLOW_REGISTRATION


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        return True

    def populate_user(self, request: HttpRequest, sociallogin: Any, data: dict) -> Any:
        user = super().populate_user(request, sociallogin, data)
        extra = sociallogin.account.extra_data or {}
        user.first_name = (extra.get("global_name") or extra.get("username") or "")[:150]
        return user


def axes_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """One lockout key per account, whether a sign-in names it by email or by username.

    Failures arrive with what the person typed (an email on the portal, a username in the
    admin); a success reports the username. Mapping both to the username lets a success reset
    the counter and keeps the admin and portal counters as one.
    """
    typed = _typed_login(credentials) or _typed_login(getattr(request, "POST", {}))
    if typed is None or "@" not in typed:
        return typed
    from tenants.models import User

    username = User.objects.filter(email__iexact=typed).values_list("username", flat=True).first()
    return (username or typed).lower()


def _typed_login(source: dict) -> str | None:
    for key in ("email", "login", "username"):
        if source.get(key):
            return str(source[key]).strip().lower()
    return None


def point_discord_provider_at_settings() -> None:
    """Aim allauth's Discord adapter at DISCORD_API_BASE_URL / DISCORD_OAUTH_AUTHORIZE_URL.

    allauth hard-codes discord.com on the adapter class; the sandbox emulator (tests, `make run`)
    serves the same paths under another base URL.
    """
    from allauth.socialaccount.providers.discord.views import DiscordOAuth2Adapter

    api = settings.DISCORD_API_BASE_URL
    DiscordOAuth2Adapter.access_token_url = f"{api}/oauth2/token"
    DiscordOAuth2Adapter.profile_url = f"{api}/users/@me"
    DiscordOAuth2Adapter.authorize_url = settings.DISCORD_OAUTH_AUTHORIZE_URL
