"""OAuth for marketplaces ("Mercado Pago connected accounts"), as Mercado Pago publishes it.

- `GET /authorization?client_id=&response_type=code&platform_id=mp&state=&redirect_uri=`:
  the consent page (auth.mercadopago.com in production). A test seller clicks "Autorizar";
  the browser goes to `redirect_uri?code=TG-...&state=<as given>`.
- `POST /oauth/token` (JSON or form): `grant_type=authorization_code` (client_id,
  client_secret, code, redirect_uri) or `grant_type=refresh_token` (client_id, client_secret,
  refresh_token). Answers `{access_token, token_type, expires_in, scope, user_id,
  refresh_token, public_key, live_mode}`; errors `{error: invalid_grant|invalid_client, ...}`.
  A code works once and for the redirect_uri it was issued to; a refresh rotates the refresh
  token (the old one stops working, as MP documents: store the new one each time).
- The seller's access token is an account like any other (its payments are the seller's), plus
  it may carry `application_fee` (payments) / `marketplace_fee` (preferences): the
  marketplace's share, credited to the application's account when the payment is approved.
- Control: `POST /_sandbox/oauth/revoke {user_id}` is what a seller does in MP's panel (remove
  the application's access): every token of that grant stops working. The token lifetime
  (`oauth_token_ttl`, MP: 180 days) follows the emulator clock (`POST /_sandbox/clock`).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from html import escape
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from .errors import MPError
from .httputil import emulator, json_response
from .oauth_state import Code, Grant, OAuthState, state
from .pages import page

routes = web.RouteTableDef()

# Test sellers offered on the consent page (user ids in MP's collector id range).
SELLERS = {
    "2001001001": "Loja do Vendedor (teste)",
    "2001001002": "Outra Loja (teste)",
}


# --- the consent page ---------------------------------------------------------------------------
@routes.get("/authorization")
async def authorize_page(request: web.Request) -> web.Response:
    query = request.query
    app = state(emulator(request)).apps.get(query.get("client_id", ""))
    if app is None or query.get("response_type") != "code" or not query.get("redirect_uri"):
        return page("Autorização", "<h1>Aplicação desconhecida</h1>", status=400)
    hidden = "".join(f"<input type='hidden' name='{k}' value='{escape(query.get(k, ''))}'>"
                     for k in ("client_id", "redirect_uri", "state"))
    sellers = "".join(
        f"<form method='post' action='/authorization' class='box'>{hidden}"
        f"<input type='hidden' name='user_id' value='{uid}'><p><b>{escape(name)}</b>"
        f" (user {uid})</p><button>Autorizar</button></form>"
        for uid, name in SELLERS.items())
    return page("Autorização", f"<h1>Conectar sua conta Mercado Pago</h1><p>A aplicação "
                f"<code>{escape(app.client_id)}</code> quer receber pagamentos em seu nome e "
                f"cobrar a taxa de marketplace.</p>{sellers}")


@routes.post("/authorization")
async def authorize_grant(request: web.Request) -> web.Response:
    form = await request.post()
    oauth = state(emulator(request))
    client_id, user_id = str(form.get("client_id", "")), str(form.get("user_id", ""))
    redirect_uri = str(form.get("redirect_uri", ""))
    if client_id not in oauth.apps or user_id not in SELLERS or not redirect_uri:
        raise MPError(400, "invalid authorization request", "invalid_request")
    code = f"TG-{secrets.token_hex(12)}-{user_id}"
    oauth.codes[code] = Code(client_id, user_id, redirect_uri,
                             emulator(request).store.now() + timedelta(minutes=10))
    params = {"code": code}
    if form.get("state"):
        params["state"] = str(form["state"])
    sep = "&" if "?" in redirect_uri else "?"
    raise web.HTTPFound(f"{redirect_uri}{sep}{urlencode(params)}")


# --- the token endpoint -------------------------------------------------------------------------
def _oauth_error(status: int, error: str, message: str) -> web.Response:
    return json_response({"error": error, "message": message, "status": status, "cause": []},
                         status)


@routes.post("/oauth/token")
async def token(request: web.Request) -> web.Response:
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            body = None
    else:
        body = dict(await request.post())
    if not isinstance(body, dict):
        return _oauth_error(400, "invalid_request", "body must be an object")
    emu = emulator(request)
    oauth = state(emulator(request))
    app = oauth.apps.get(str(body.get("client_id", "")))
    if app is None or not secrets.compare_digest(app.client_secret,
                                                 str(body.get("client_secret", ""))):
        return _oauth_error(401, "invalid_client", "invalid client_id or client_secret")
    grant_type = body.get("grant_type")
    if grant_type == "authorization_code":
        code = oauth.codes.pop(str(body.get("code", "")), None)  # single use
        if (code is None or code.client_id != app.client_id or code.expires_at < emu.store.now()
                or code.redirect_uri != str(body.get("redirect_uri", ""))):
            return _oauth_error(400, "invalid_grant", "invalid or expired code")
        grant = oauth.grants.get((app.client_id, code.user_id))
        if grant is None or grant.revoked:
            grant = Grant(app.client_id, code.user_id)
            oauth.grants[(app.client_id, code.user_id)] = grant
    elif grant_type == "refresh_token":
        grant = oauth.by_refresh.get(str(body.get("refresh_token", "")))
        if grant is None or grant.revoked or grant.client_id != app.client_id:
            return _oauth_error(400, "invalid_grant", "invalid refresh_token")
    else:
        return _oauth_error(400, "unsupported_grant_type", "unsupported grant_type")
    return json_response(_issue(emu, oauth, grant))


def _issue(emu: Any, oauth: OAuthState, grant: Grant) -> dict[str, Any]:
    access = f"APP_USR-{secrets.token_hex(8)}-{grant.user_id}"
    refresh = f"TG-{secrets.token_hex(16)}"
    oauth.by_refresh.pop(grant.refresh_token, None)  # rotated: the old one is spent
    grant.refresh_token = refresh
    grant.access_tokens.append(access)
    oauth.by_refresh[refresh] = grant
    oauth.by_access[access] = grant
    ttl = int(emu.config.oauth_token_ttl)
    oauth.token_expiry[access] = emu.store.now() + timedelta(seconds=ttl)
    # The seller's payments are made with this token: an account with the seller's collector
    # id, whose notifications the application's webhook secret signs.
    emu.store.register_account(access, collector_id=int(grant.user_id),
                               merchant_name=SELLERS[grant.user_id].upper()[:25])
    return {"access_token": access, "token_type": "Bearer", "expires_in": ttl,
            "scope": "offline_access read write payments", "user_id": int(grant.user_id),
            "refresh_token": refresh, "public_key": f"APP_USR-pk-{grant.user_id}",
            "live_mode": False}


# --- control ------------------------------------------------------------------------------------
def revoke(emu: Any, user_id: str, client_id: str | None = None) -> int:
    oauth = state(emu)
    count = 0
    for (cid, uid), grant in oauth.grants.items():
        if uid == str(user_id) and (client_id is None or cid == client_id) and not grant.revoked:
            grant.revoked = True
            count += 1
    return count


@routes.post("/_sandbox/oauth/revoke")
async def revoke_view(request: web.Request) -> web.Response:
    body = await request.json() if request.can_read_body else {}
    if not isinstance(body, dict) or not body.get("user_id"):
        raise MPError(400, "user_id is required")
    return json_response({"revoked": revoke(emulator(request), str(body["user_id"]))})


@routes.get("/_sandbox/oauth/fees")
async def fees_view(request: web.Request) -> web.Response:
    return json_response(state(emulator(request)).marketplace_fees)
