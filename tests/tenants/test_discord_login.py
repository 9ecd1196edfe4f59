"""Sign-in with Discord through django-allauth, end to end against the Discord sandbox.

allauth's own code does the OAuth2 dance over real HTTP; only the base URLs point at the
emulator (DISCORD_API_BASE_URL, DISCORD_OAUTH_AUTHORIZE_URL).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.test import Client
from django.urls import reverse

from sandbox.discord.testing import DiscordSandbox
from tenants.auth import point_discord_provider_at_settings
from tenants.models import User

CALLBACK = "http://testserver/accounts/discord/login/callback/"


@pytest.fixture(scope="module")
def discord() -> Iterator[DiscordSandbox]:
    with DiscordSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def oauth_app(discord, settings) -> Iterator[dict]:
    app = discord.create_application("Vitrine Login", redirect_uris=[CALLBACK],
                                     client_secret="login-secret")
    settings.DISCORD_API_BASE_URL = f"{discord.url}/api"
    settings.DISCORD_OAUTH_AUTHORIZE_URL = f"{discord.url}/oauth2/authorize"
    settings.SOCIALACCOUNT_PROVIDERS = {"discord": {
        "SCOPE": ["identify", "email", "guilds"],
        "APPS": [{"client_id": str(app["id"]), "secret": "login-secret", "key": ""}],
    }}
    point_discord_provider_at_settings()
    yield app
    settings.DISCORD_API_BASE_URL = "https://discord.com/api"
    settings.DISCORD_OAUTH_AUTHORIZE_URL = "https://discord.com/oauth2/authorize"
    point_discord_provider_at_settings()


def consent(discord: DiscordSandbox, authorize_url: str, user_id: str) -> str:
    """Do what the person does on Discord's consent page: pick the account and allow."""
    query = {k: v[0] for k, v in parse_qs(urlparse(authorize_url).query).items()}
    form = {**query, "user_id": user_id}
    answer = requests.post(f"{discord.url}/oauth2/authorize", data=form,
                           allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def sign_in(discord, client: Client, user_id: str) -> object:
    start = client.post(reverse("discord_login"))
    assert start.status_code == 302
    authorize = start["Location"]
    assert authorize.startswith(f"{discord.url}/oauth2/authorize?")
    scope = parse_qs(urlparse(authorize).query)["scope"][0]
    assert set(scope.split()) == {"identify", "email", "guilds"}
    callback = consent(discord, authorize, user_id)
    assert callback.startswith(CALLBACK)
    return client.get(callback.replace("http://testserver", ""))


def test_new_discord_user_gets_an_account_and_is_sent_to_create_an_instance(discord, oauth_app,
                                                                            db):
    person = discord.create_user("lojista", global_name="Lia Lojista", email="lia@example.com")
    client = Client()
    finish = sign_in(discord, client, str(person["id"]))
    assert finish.status_code == 302
    account = SocialAccount.objects.get(provider="discord", uid=str(person["id"]))
    assert account.user.first_name == "Lia Lojista"
    assert account.user.email == "lia@example.com"
    home = client.get(finish["Location"])
    assert home["Location"] == reverse("portal:instance_create")


def test_second_sign_in_reuses_the_same_account(discord, oauth_app, db):
    person = discord.create_user("recorrente", email="rec@example.com")
    sign_in(discord, Client(), str(person["id"]))
    sign_in(discord, Client(), str(person["id"]))
    assert SocialAccount.objects.filter(uid=str(person["id"])).count() == 1
    assert User.objects.filter(email="rec@example.com").count() == 1


def test_forged_callback_state_signs_nobody_in(discord, oauth_app, db):
    person = discord.create_user("forjado", email="forjado@example.com")
    client = Client()
    authorize = client.post(reverse("discord_login"))["Location"]
    callback = consent(discord, authorize, str(person["id"]))
    forged = callback.replace("state=", "state=x")
    response = client.get(forged.replace("http://testserver", ""))
    assert response.status_code == 401  # allauth's "login failed" page
    assert not SocialAccount.objects.filter(uid=str(person["id"])).exists()
    assert client.get(reverse("portal:instances")).status_code == 302


def test_denied_consent_signs_nobody_in(discord, oauth_app, db):
    client = Client()
    authorize = client.post(reverse("discord_login"))["Location"]
    query = {k: v[0] for k, v in parse_qs(urlparse(authorize).query).items()}
    answer = requests.post(f"{discord.url}/oauth2/authorize", data={**query, "deny": "1"},
                           allow_redirects=False, timeout=10)
    response = client.get(answer.headers["Location"].replace("http://testserver", ""))
    assert response.status_code == 302
    assert response["Location"].endswith("/login/cancelled/")
    assert not SocialAccount.objects.exists()
