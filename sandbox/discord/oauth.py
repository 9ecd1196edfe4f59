"""OAuth2 authorization-code flow, enough for django-allauth's Discord provider."""

from __future__ import annotations

import base64
import html
import secrets
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from sandbox.discord import errors
from sandbox.discord.errors import json_response
from sandbox.discord.models import Application, User
from sandbox.discord.routing import add_api, bot_app, state_of
from sandbox.discord.state import SandboxState

TOKEN_TTL = 604800
AUTH_PARAMS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "prompt",
    "code_challenge",
    "code_challenge_method",
)


def _oauth_error(error: str, description: str, status: int = 400) -> web.Response:
    # OAuth endpoints use RFC 6749 bodies, not Discord's {"message", "code"} shape.
    return json_response({"error": error, "error_description": description}, status=status)


def _client(state: SandboxState, client_id: str) -> Application | None:
    try:
        return state.apps.get(int(client_id))
    except ValueError:
        return None


def _redirect_ok(app: Application, redirect_uri: str) -> bool:
    return redirect_uri in app.redirect_uris


async def authorize_page(request: web.Request) -> web.Response:
    state = state_of(request)
    query = request.query
    app = _client(state, query.get("client_id", ""))
    if app is None:
        return _page("Unknown application", "<p>Invalid client_id.</p>", 400)
    if not _redirect_ok(app, query.get("redirect_uri", "")):
        return _page("Invalid OAuth2 redirect_uri", "<p>redirect_uri is not registered.</p>", 400)
    hidden = "".join(
        f'<input type="hidden" name="{k}" value="{html.escape(query[k])}">'
        for k in AUTH_PARAMS
        if k in query
    )
    users = [u for u in state.users.values() if not u.bot]
    buttons = "".join(
        f'<button name="user_id" value="{u.id}">{html.escape(u.global_name or u.username)}'
        f" <small>@{html.escape(u.username)}</small></button>"
        for u in users
    )
    body = (
        f"<p><b>{html.escape(app.name)}</b> wants to access your account "
        f"(scopes: {html.escape(query.get('scope', ''))}).</p>"
        f'<form method="post">{hidden}<p>Sign in as:</p>{buttons}'
        f'<p><button name="deny" value="1">Cancel</button></p></form>'
    )
    return _page("Authorize access", body)


def _page(title: str, body: str, status: int = 200) -> web.Response:
    text = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        "<style>body{font-family:sans-serif;background:#313338;color:#ddd;max-width:480px;"
        "margin:40px auto}button{display:block;margin:6px 0;padding:8px 14px;width:100%;"
        "background:#5865f2;color:#fff;border:0;border-radius:4px;cursor:pointer}</style>"
        f"</head><body><h2>{title}</h2>{body}</body></html>"
    )
    return web.Response(text=text, content_type="text/html", status=status)


async def authorize_submit(request: web.Request) -> web.Response:
    state = state_of(request)
    form = await request.post()
    app = _client(state, str(form.get("client_id", "")))
    redirect_uri = str(form.get("redirect_uri", ""))
    if app is None or not _redirect_ok(app, redirect_uri):
        return _page("Invalid request", "<p>Unknown client or redirect_uri.</p>", 400)
    params: dict[str, str] = {}
    if form.get("state"):
        params["state"] = str(form["state"])
    if form.get("deny"):
        params["error"] = "access_denied"
        params["error_description"] = (
            "The resource owner or authorization server denied the request"
        )
    else:
        code = secrets.token_urlsafe(20)
        state.oauth_codes[code] = {
            "client_id": app.id,
            "user_id": int(str(form["user_id"])),
            "redirect_uri": redirect_uri,
            "scope": str(form.get("scope", "identify")),
        }
        params["code"] = code
    sep = "&" if "?" in redirect_uri else "?"
    raise web.HTTPFound(f"{redirect_uri}{sep}{urlencode(params)}")


def _client_credentials(request: web.Request, form: Any) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        raw = base64.b64decode(header[6:]).decode()
        client_id, _, secret = raw.partition(":")
        return client_id, secret
    return str(form.get("client_id", "")), str(form.get("client_secret", ""))


def _issue(state: SandboxState, client_id: int, user_id: int, scope: str) -> dict[str, Any]:
    access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    grant = {"client_id": client_id, "user_id": user_id, "scope": scope, "refresh": refresh}
    state.oauth_tokens[access] = grant
    return {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": TOKEN_TTL,
        "refresh_token": refresh,
        "scope": scope,
    }


async def token(request: web.Request) -> web.Response:
    state = state_of(request)
    form = await request.post()
    client_id, secret = _client_credentials(request, form)
    app = _client(state, client_id)
    if app is None or secret != app.client_secret:
        return _oauth_error("invalid_client", 'Invalid "client_id" in request.', 401)
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        grant = state.oauth_codes.pop(str(form.get("code", "")), None)
        if grant is None or grant["client_id"] != app.id:
            return _oauth_error("invalid_grant", 'Invalid "code" in request.')
        if grant["redirect_uri"] != form.get("redirect_uri"):
            return _oauth_error("invalid_grant", 'Invalid "redirect_uri" in request.')
        return json_response(_issue(state, app.id, grant["user_id"], grant["scope"]))
    if grant_type == "refresh_token":
        refresh = str(form.get("refresh_token", ""))
        match = next(
            (
                k
                for k, g in state.oauth_tokens.items()
                if g["refresh"] == refresh and g["client_id"] == app.id
            ),
            None,
        )
        if match is None:
            return _oauth_error("invalid_grant", 'Invalid "refresh_token" in request.')
        grant = state.oauth_tokens.pop(match)
        return json_response(_issue(state, app.id, grant["user_id"], grant["scope"]))
    return _oauth_error("unsupported_grant_type", "Unsupported grant type")


def bearer_user(request: web.Request) -> tuple[User, set[str]]:
    state = state_of(request)
    access = request.headers.get("Authorization", "")[7:]
    grant = state.oauth_tokens.get(access)
    if grant is None:
        raise errors.unauthorized()
    return state.users[grant["user_id"]], set(grant["scope"].split())


async def my_guilds(request: web.Request) -> web.Response:
    """Bearer with the `guilds` scope: the user's guilds; a Bot token: the bot's guilds."""
    state = state_of(request)
    if request.headers.get("Authorization", "").startswith("Bot "):
        user = state.users[bot_app(request).bot_user_id]
    else:
        user, scopes = bearer_user(request)
        if "guilds" not in scopes:
            raise errors.unauthorized()
    query = request.query  # the spec guard checked the types
    limit = int(query.get("limit", "200"))
    after, before = int(query.get("after", "0")), int(query.get("before", "0"))
    counts = query.get("with_counts", "").lower() in ("true", "1")
    result = []
    for guild in sorted(state.guilds.values(), key=lambda g: g.id):
        if user.id not in guild.members or guild.id <= after or (before and guild.id >= before):
            continue
        data = {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "banner": None,
            "owner": guild.owner_id == user.id,
            "permissions": str(state.member_permissions(guild, user.id)),
            "features": [],
        }
        if counts:
            data |= {"approximate_member_count": len(guild.members),
                     "approximate_presence_count": 0}
        result.append(data)
    return json_response(result[:limit])


def setup(app: web.Application) -> None:
    for path in ("/oauth2/authorize", "/api/oauth2/authorize", "/api/v10/oauth2/authorize"):
        app.router.add_get(path, authorize_page)
        app.router.add_post(path, authorize_submit)
    add_api(app, "POST", "/oauth2/token", token)
    add_api(app, "GET", "/users/@me/guilds", my_guilds)
