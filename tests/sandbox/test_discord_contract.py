"""Contract test: the Discord sandbox against Discord's official OpenAPI 3.1 spec.

Every REST route the sandbox registers (enumerated from its aiohttp router) maps to a spec
operation. One scenario calls each route with a valid request and at least one malformed one;
every answer (2xx body, empty 204, 4xx error body) is validated with JSON Schema 2020-12, `$ref`s
resolved, against the spec (with the documented quirks of `sandbox/discord/README.md`). The
request bodies discord.py builds (commands, messages with embeds, components and files,
interaction callbacks, followups, threads, members) are validated against the request schemas.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import discord
import pytest
from aiohttp import web
from discord import app_commands
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.discord import openapi
from sandbox.discord.app import build_app
from sandbox.discord.testing import DiscordSandbox, discord_py_sandbox, running_client

MEMBERS = 1 << 1
PRIVATE_THREAD = 12

# Sandbox route (method, template without the /api/v10 prefix) -> spec operation (path, method).
SPEC_ROUTES: dict[tuple[str, str], tuple[str, str]] = {
    ("GET", "/users/@me"): ("/users/@me", "get"),
    ("GET", "/users/{user_id}"): ("/users/{user_id}", "get"),
    ("GET", "/users/@me/guilds"): ("/users/@me/guilds", "get"),
    ("POST", "/users/@me/channels"): ("/users/@me/channels", "post"),
    ("GET", "/oauth2/applications/@me"): ("/oauth2/applications/@me", "get"),
    ("GET", "/applications/@me"): ("/applications/@me", "get"),
    ("GET", "/gateway"): ("/gateway", "get"),
    ("GET", "/gateway/bot"): ("/gateway/bot", "get"),
    **{
        (m.upper(), f"/applications/{{application_id}}{g}/commands"): (
            f"/applications/{{application_id}}{g}/commands", m)
        for m in ("get", "put", "post") for g in ("", "/guilds/{guild_id}")
    },
    ("GET", "/channels/{channel_id}"): ("/channels/{channel_id}", "get"),
    ("DELETE", "/channels/{channel_id}"): ("/channels/{channel_id}", "delete"),
    ("GET", "/channels/{channel_id}/messages"): ("/channels/{channel_id}/messages", "get"),
    ("POST", "/channels/{channel_id}/messages"): ("/channels/{channel_id}/messages", "post"),
    **{
        (m.upper(), "/channels/{channel_id}/messages/{message_id}"): (
            "/channels/{channel_id}/messages/{message_id}", m)
        for m in ("get", "patch", "delete")
    },
    ("POST", "/channels/{channel_id}/threads"): ("/channels/{channel_id}/threads", "post"),
    ("GET", "/channels/{channel_id}/thread-members"): (
        "/channels/{channel_id}/thread-members", "get"),
    **{
        (m.upper(), "/channels/{channel_id}/thread-members/{user_id}"): (
            "/channels/{channel_id}/thread-members/{user_id}", m)
        for m in ("put", "delete")
    },
    ("GET", "/guilds/{guild_id}"): ("/guilds/{guild_id}", "get"),
    ("GET", "/guilds/{guild_id}/channels"): ("/guilds/{guild_id}/channels", "get"),
    ("GET", "/guilds/{guild_id}/roles"): ("/guilds/{guild_id}/roles", "get"),
    ("GET", "/guilds/{guild_id}/members"): ("/guilds/{guild_id}/members", "get"),
    **{
        (m.upper(), "/guilds/{guild_id}/members/{user_id}"): (
            "/guilds/{guild_id}/members/{user_id}", m)
        for m in ("get", "patch")
    },
    **{
        (m.upper(), "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"): (
            "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", m)
        for m in ("put", "delete")
    },
    ("POST", "/interactions/{interaction_id}/{interaction_token}/callback"): (
        "/interactions/{interaction_id}/{interaction_token}/callback", "post"),
    ("POST", "/webhooks/{webhook_id}/{webhook_token}"): (
        "/webhooks/{webhook_id}/{webhook_token}", "post"),
    # One sandbox route serves both spec paths: `@original` and a message id.
    **{
        (m.upper(), "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"): (
            "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", m)
        for m in ("get", "patch", "delete")
    },
}
# Routes Discord's REST spec does not describe, and how this test checks them instead.
NOT_IN_SPEC = {
    ("GET", "/oauth2/authorize"): "OAuth2 consent page (HTML), RFC 6749 section 4.1.1",
    ("POST", "/oauth2/authorize"): "OAuth2 consent form: a 302 with code/state (RFC 6749 4.1.2)",
    ("POST", "/oauth2/token"): "RFC 6749 5.1 token response / 5.2 error, checked below",
}
# Spec operations with no input a client can get wrong (no token, path ids, query or body).
NO_MALFORMED_FORM = {("GET", "/gateway")}


def official_spec_path() -> Path:
    """Discord's spec as published (../shared/specs in this checkout's parents, or env)."""
    if os.environ.get("DISCORD_OPENAPI_SPEC"):
        return Path(os.environ["DISCORD_OPENAPI_SPEC"])
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "specs" / "discord-openapi.json"
        if candidate.exists():
            return candidate
    raise AssertionError("Discord's OpenAPI spec not found (set DISCORD_OPENAPI_SPEC)")


def sandbox_routes(app: web.Application | None = None) -> set[tuple[str, str]]:
    """Every REST route of the sandbox, from its router, under any API prefix."""
    routes = set()
    for route in (app or build_app()).router.routes():
        canonical = route.resource.canonical if route.resource else ""
        if route.method != "HEAD" and canonical.startswith("/api"):
            routes.add((route.method, re.sub(r"^/api(/v\d+)?", "", canonical)))
    return routes


# ---- static checks -------------------------------------------------------------------------


def test_vendored_subset_is_the_official_spec() -> None:
    official = json.loads(official_spec_path().read_text())
    assert openapi.extract_subset(official) == openapi.raw_subset()


def test_every_sandbox_route_is_covered() -> None:
    routes = sandbox_routes()
    uncovered = routes - set(SPEC_ROUTES) - set(NOT_IN_SPEC)
    assert not uncovered, f"routes the contract test does not cover: {sorted(uncovered)}"
    assert not (set(SPEC_ROUTES) | set(NOT_IN_SPEC)) - routes, "stale entries in the test"
    for (method, template), (spec_path, spec_method) in SPEC_ROUTES.items():
        op = openapi.find_operation(method, template)
        assert op is not None and (op.path, op.method) == (spec_path, spec_method), template
    for route in NOT_IN_SPEC:
        assert openapi.find_operation(*route) is None


def test_a_new_route_is_reported_as_uncovered() -> None:
    app = build_app()

    async def handler(request: web.Request) -> web.Response:
        return web.Response()

    app.router.add_get("/api/v10/guilds/{guild_id}/bans", handler)
    assert sandbox_routes(app) - set(SPEC_ROUTES) - set(NOT_IN_SPEC) == {
        ("GET", "/guilds/{guild_id}/bans")}


def test_quirks_are_documented() -> None:
    readme = (Path(openapi.__file__).parent / "README.md").read_text()
    for quirk in openapi.quirk_ids():
        assert f"`{quirk}`" in readme, quirk


# ---- HTTP helpers --------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


OPENER = urllib.request.build_opener(NoRedirect)


class Api:
    def __init__(self, sb: DiscordSandbox, token: str) -> None:
        self.sb, self.token = sb, token

    def __call__(self, method: str, path: str, body: Any = None, *, raw: bytes | None = None,
                 auth: str | None = None, content_type: str = "application/json",
                 expect: int | None = None) -> tuple[int, Any, dict[str, str]]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None
                                             else None)
        headers = {"Content-Type": content_type}
        auth = f"Bot {self.token}" if auth is None else auth
        if auth:
            headers["Authorization"] = auth
        request = urllib.request.Request(f"{self.sb.api_base}{path}", data=data, method=method,
                                         headers=headers)
        try:
            with OPENER.open(request, timeout=30) as response:
                status, payload, hdrs = response.status, response.read(), response.headers
        except urllib.error.HTTPError as exc:
            status, payload, hdrs = exc.code, exc.read(), exc.headers
        parsed = json.loads(payload) if payload and "json" in hdrs.get("Content-Type", "") else (
            payload.decode() if payload else None)
        assert status < 500, f"{method} {path} -> {status}: {parsed}"
        if expect is not None:
            assert status == expect, f"{method} {path} -> {status}: {parsed}"
        return status, parsed, dict(hdrs)

    def multipart(self, method: str, path: str, payload: Any, files: dict[str, bytes] | None,
                  *, raw_payload: bytes | None = None, expect: int) -> Any:
        boundary = uuid.uuid4().hex
        parts = [(b'Content-Disposition: form-data; name="payload_json"\r\n'
                  b"Content-Type: application/json\r\n\r\n"
                  + (raw_payload if raw_payload is not None else json.dumps(payload).encode()))]
        for i, (name, data) in enumerate((files or {}).items()):
            parts.append(f'Content-Disposition: form-data; name="files[{i}]"; filename="{name}"'
                         "\r\nContent-Type: image/png\r\n\r\n".encode() + data)
        body = b"".join(f"--{boundary}\r\n".encode() + p + b"\r\n" for p in parts)
        body += f"--{boundary}--\r\n".encode()
        return self(method, path, raw=body, expect=expect,
                    content_type=f"multipart/form-data; boundary={boundary}")[1]


def form_error(body: dict[str, Any], *path: str) -> str:
    """The first field error code at `path` in a 50035 body."""
    assert body["code"] == 50035 and body["message"] == "Invalid Form Body", body
    node = body["errors"]
    for part in path:
        node = node[part]
    return node["_errors"][0]["code"]


# ---- the scenario ----------------------------------------------------------------------------

VIEW_COMPONENTS = [
    {"type": 1, "components": [
        {"type": 2, "style": 1, "label": "Comprar", "custom_id": "buy:1"},
        {"type": 2, "style": 5, "label": "Site", "url": "https://example.com"},
    ]},
    {"type": 1, "components": [
        {"type": 3, "custom_id": "plan", "placeholder": "Plano", "min_values": 1,
         "max_values": 1, "options": [{"label": "Mensal", "value": "m"},
                                      {"label": "Anual", "value": "y", "default": True}]},
    ]},
]
MODAL = {"custom_id": "coupon", "title": "Cupom", "components": [
    {"type": 1, "components": [{"type": 4, "custom_id": "code", "style": 1, "label": "Código",
                                "min_length": 1, "max_length": 20, "required": True}]}]}
COMMANDS = [
    {"name": "loja", "description": "Abre a loja", "type": 1,
     "default_member_permissions": None, "contexts": None, "integration_types": None,
     "options": [{"type": 3, "name": "produto", "description": "Qual", "required": False,
                  "choices": [{"name": "VIP", "value": "vip"}]}]},
    {"name": "estoque", "description": "Estoque", "default_member_permissions": "8",
     "dm_permission": False, "nsfw": False},
]


def run_scenario(sb: DiscordSandbox) -> dict[str, Any]:
    """Call every route with valid and malformed requests (asserting the statuses)."""
    app = sb.create_application("Contract Bot", intents=MEMBERS,
                                redirect_uris=["http://127.0.0.1/cb"])
    api = Api(sb, app["token"])
    owner, alice = sb.create_user("dona"), sb.create_user("alice", global_name="Alice")
    guild = sb.create_guild("Contrato", [app["id"]], owner_id=owner["id"])
    gid, cid, aid, app_id = guild["id"], guild["channels"][0]["id"], alice["id"], app["id"]
    sb.add_member(gid, aid)
    role = sb.create_role(gid, "VIP", permissions=0)
    bearer = oauth_bearer(sb, app, aid)
    bad = b'{"content": "unterminated'

    # identity, applications, gateway
    api("GET", "/users/@me", expect=200)
    api("GET", "/users/@me", auth=f"Bearer {bearer}", expect=200)
    api("GET", "/users/@me", auth="Bot wrong", expect=401)
    api("GET", f"/users/{aid}", expect=200)
    assert form_error(api("GET", "/users/alice", expect=400)[1], "user_id") == (
        "NUMBER_TYPE_COERCE")
    guilds = api("GET", "/users/@me/guilds", expect=200)[1]
    assert [g["id"] for g in guilds] == [gid]  # a Bot token lists the bot's guilds
    api("GET", "/users/@me/guilds", auth=f"Bearer {bearer}", expect=200)
    assert form_error(api("GET", "/users/@me/guilds?limit=lots", expect=400)[1], "limit") == (
        "NUMBER_TYPE_COERCE")
    assert form_error(api("GET", "/users/@me/guilds?limit=500", expect=400)[1], "limit") == (
        "NUMBER_TYPE_MAX")
    api("GET", "/oauth2/applications/@me", expect=200)
    api("GET", "/oauth2/applications/@me", auth="", expect=401)
    api("GET", "/applications/@me", expect=200)
    api("GET", "/applications/@me", auth="Bot nope", expect=401)
    api("GET", "/gateway", auth="", expect=200)
    api("GET", "/gateway/bot", expect=200)
    api("GET", "/gateway/bot", auth="", expect=401)
    sb.rate_limit("GET", "/gateway/bot", retry_after=0.01)
    limited = api("GET", "/gateway/bot", expect=429)
    assert limited[1]["retry_after"] == 0.01 and limited[2]["Retry-After"] == "1"

    # DMs
    dm = api("POST", "/users/@me/channels", {"recipient_id": aid}, expect=200)[1]
    api("POST", "/users/@me/channels", {"recipient_id": int(aid)}, expect=200)
    body = api("POST", "/users/@me/channels", {"recipient_id": {"id": aid}}, expect=400)[1]
    assert form_error(body, "recipient_id") == "NUMBER_TYPE_COERCE"
    assert api("POST", "/users/@me/channels", raw=bad, expect=400)[1]["code"] == 50109
    assert api("POST", "/users/@me/channels", raw=b"[1, NaN]", expect=400)[1]["code"] == 50109

    # application commands, global and guild
    for scope in ("", f"/guilds/{gid}"):
        base = f"/applications/{app_id}{scope}/commands"
        synced = api("PUT", base, COMMANDS, expect=200)[1]
        assert synced[0]["integration_types"] == [0] and synced[1][
            "default_member_permissions"] == "8"
        api("GET", base, expect=200)
        api("GET", base + "?with_localizations=true", expect=200)
        api("POST", base, {"name": "ajuda", "description": "Ajuda"}, expect=201)
        assert form_error(api("POST", base, {"name": 5, "description": "x"}, expect=400)[1],
                          "name") == "BASE_TYPE_STRING"
        assert form_error(api("PUT", base, [{"name": "x" * 40, "description": "x"}],
                              expect=400)[1], "0", "name") == "BASE_TYPE_BAD_LENGTH"
        assert form_error(api("PUT", base, {"name": "x"}, expect=400)[1]) == "LIST_TYPE_CONVERT"
        assert api("PUT", base, raw=bad, expect=400)[1]["code"] == 50109
        assert form_error(api("GET", f"/applications/app{scope}/commands", expect=400)[1],
                          "application_id") == "NUMBER_TYPE_COERCE"

    # channels and messages
    api("GET", f"/channels/{cid}", expect=200)
    api("GET", f"/channels/{dm['id']}", expect=200)
    assert form_error(api("GET", "/channels/geral", expect=400)[1], "channel_id") == (
        "NUMBER_TYPE_COERCE")
    embed = {"title": "Produto", "description": "Acesso", "color": 0x5865F2,
             "fields": [{"name": "Preço", "value": "R$ 19,90", "inline": True}],
             "image": {"url": "attachment://qr.png"}, "footer": {"text": "Vitrine"}}
    message = api("POST", f"/channels/{cid}/messages",
                  {"content": "Olá", "embeds": [embed], "components": VIEW_COMPONENTS,
                   "allowed_mentions": {"parse": []}, "nonce": "1", "tts": False},
                  expect=200)[1]
    api.multipart("POST", f"/channels/{cid}/messages",
                  {"content": "PIX", "embeds": [embed],
                   "attachments": [{"id": 0, "filename": "qr.png"}]},
                  {"qr.png": b"\x89PNG fake"}, expect=200)
    assert form_error(api("POST", f"/channels/{cid}/messages", {"content": 5}, expect=400)[1],
                      "content") == "BASE_TYPE_STRING"
    body = api("POST", f"/channels/{cid}/messages",
               {"content": "x", "components": [{"type": 1, "components": [
                   {"type": 2, "style": 1, "label": 7, "custom_id": "a"}]}]}, expect=400)[1]
    assert form_error(body, "components", "0", "components", "0", "label") == "BASE_TYPE_STRING"
    assert api("POST", f"/channels/{cid}/messages", raw=bad, expect=400)[1]["code"] == 50109
    assert api.multipart("POST", f"/channels/{cid}/messages", None, None, raw_payload=bad,
                         expect=400)["code"] == 50109
    api("POST", f"/channels/{cid}/messages", {}, expect=400)  # 50006 empty message
    api("GET", f"/channels/{cid}/messages?limit=5", expect=200)
    assert form_error(api("GET", f"/channels/{cid}/messages?limit=x", expect=400)[1],
                      "limit") == "NUMBER_TYPE_COERCE"
    mid = message["id"]
    api("GET", f"/channels/{cid}/messages/{mid}", expect=200)
    api("GET", f"/channels/{cid}/messages/999", expect=404)
    assert form_error(api("GET", f"/channels/{cid}/messages/ultima", expect=400)[1],
                      "message_id") == "NUMBER_TYPE_COERCE"
    api("PATCH", f"/channels/{cid}/messages/{mid}",
        {"content": "Editado", "components": VIEW_COMPONENTS[:1]}, expect=200)
    assert form_error(api("PATCH", f"/channels/{cid}/messages/{mid}", {"embeds": "x"},
                          expect=400)[1], "embeds") == "LIST_TYPE_CONVERT"
    api("DELETE", f"/channels/{cid}/messages/{mid}", expect=204)
    api("DELETE", f"/channels/{cid}/messages/{mid}", expect=404)
    assert form_error(api("DELETE", f"/channels/{cid}/messages/x", expect=400)[1],
                      "message_id") == "NUMBER_TYPE_COERCE"

    # private threads
    thread = api("POST", f"/channels/{cid}/threads",
                 {"name": "carrinho-alice", "type": PRIVATE_THREAD, "invitable": False,
                  "auto_archive_duration": 10080}, expect=201)[1]
    assert form_error(api("POST", f"/channels/{cid}/threads", {"name": 5}, expect=400)[1],
                      "name") == "BASE_TYPE_STRING"
    tid = thread["id"]
    api("PUT", f"/channels/{tid}/thread-members/{aid}", expect=204)
    api("PUT", f"/channels/{tid}/thread-members/alice", expect=400)
    api("GET", f"/channels/{tid}/thread-members", expect=200)
    api("GET", "/channels/fio/thread-members", expect=400)
    api("DELETE", f"/channels/{tid}/thread-members/{aid}", expect=204)
    api("DELETE", f"/channels/{tid}/thread-members/x", expect=400)
    api("DELETE", f"/channels/{tid}", expect=200)
    api("DELETE", f"/channels/{tid}", expect=404)
    api("DELETE", "/channels/fio", expect=400)

    # guild, roles, members
    api("GET", f"/guilds/{gid}", expect=200)
    api("GET", f"/guilds/{gid}?with_counts=true", expect=200)
    api("GET", "/guilds/loja", expect=400)
    api("GET", f"/guilds/{gid}/channels", expect=200)
    api("GET", "/guilds/x/channels", expect=400)
    api("GET", f"/guilds/{gid}/roles", expect=200)
    api("GET", "/guilds/x/roles", expect=400)
    api("GET", f"/guilds/{gid}/members?limit=10", expect=200)
    assert form_error(api("GET", f"/guilds/{gid}/members?limit=muitos", expect=400)[1],
                      "limit") == "NUMBER_TYPE_COERCE"
    api("GET", f"/guilds/{gid}/members/{aid}", expect=200)
    api("GET", f"/guilds/{gid}/members/1", expect=404)
    api("GET", f"/guilds/{gid}/members/alice", expect=400)
    api("PATCH", f"/guilds/{gid}/members/{aid}", {"nick": "Alice VIP", "roles": [role["id"]]},
        expect=200)
    assert form_error(api("PATCH", f"/guilds/{gid}/members/{aid}", {"nick": 12345},
                          expect=400)[1], "nick") == "BASE_TYPE_STRING"
    body = api("PATCH", f"/guilds/{gid}/members/{aid}", {"roles": "vip"}, expect=400)[1]
    assert form_error(body, "roles") == "LIST_TYPE_CONVERT"
    api("PUT", f"/guilds/{gid}/members/{aid}/roles/{role['id']}", expect=204)
    api("DELETE", f"/guilds/{gid}/members/{aid}/roles/{role['id']}", expect=204)
    api("PUT", f"/guilds/{gid}/members/{aid}/roles/vip", expect=400)
    api("DELETE", f"/guilds/{gid}/members/{aid}/roles/1", expect=404)
    api("DELETE", f"/guilds/{gid}/members/{aid}/roles/vip", expect=400)

    # interactions: every callback type, with and without with_response
    sent = api("POST", f"/channels/{cid}/messages",
               {"content": "Loja", "components": VIEW_COMPONENTS}, expect=200)[1]

    def callback(iid: str, token: str, body: Any, query: str = "?with_response=true",
                 expect: int = 200) -> Any:
        return api("POST", f"/interactions/{iid}/{token}/callback{query}", body, auth="",
                   expect=expect)[1]

    slash = sb.run_command(cid, aid, "loja")
    answer = callback(slash["id"], slash["token"], {"type": 4, "data": {
        "content": "Catálogo", "components": VIEW_COMPONENTS, "flags": 64}})
    assert answer["resource"]["message"]["components"][0]["id"] == 1
    callback(slash["id"], slash["token"], {"type": 4, "data": {"content": "de novo"}},
             expect=400)  # 40060 already acknowledged
    deferred = sb.run_command(cid, aid, "loja")
    callback(deferred["id"], deferred["token"], {"type": 5, "data": {"flags": 64}})
    hook = f"/webhooks/{app_id}/{deferred['token']}"
    api("POST", f"{hook}?wait=true", {"content": "Pronto"}, auth="", expect=200)
    follow = api("POST", f"{hook}?wait=true", {"content": "Mais", "components": VIEW_COMPONENTS},
                 auth="", expect=200)[1]
    api("POST", hook, {"content": "sem esperar"}, auth="", expect=204)
    assert form_error(api("POST", hook, {"content": 5}, auth="", expect=400)[1],
                      "content") == "BASE_TYPE_STRING"
    assert form_error(api("POST", f"{hook}?wait=talvez", {"content": "x"}, auth="",
                          expect=400)[1], "wait") == "BOOLEAN_TYPE_COERCE"
    api("GET", f"{hook}/messages/@original", auth="", expect=200)
    api("PATCH", f"{hook}/messages/@original", {"content": "Editado"}, auth="", expect=200)
    api("GET", f"{hook}/messages/{follow['id']}", auth="", expect=200)
    api("PATCH", f"{hook}/messages/{follow['id']}", {"embeds": [embed]}, auth="", expect=200)
    assert form_error(api("PATCH", f"{hook}/messages/@original", {"content": ["x"]}, auth="",
                          expect=400)[1], "content") == "BASE_TYPE_STRING"
    api("GET", f"{hook}/messages/ultima", auth="", expect=400)
    api("DELETE", f"{hook}/messages/{follow['id']}", auth="", expect=204)
    api("DELETE", f"{hook}/messages/@original", auth="", expect=204)
    api("DELETE", f"{hook}/messages/x", auth="", expect=400)

    click = sb.click(cid, sent["id"], aid, "buy:1")
    callback(click["id"], click["token"], {"type": 7, "data": {"content": "No carrinho"}})
    click = sb.click(cid, sent["id"], aid, "buy:1")
    callback(click["id"], click["token"], {"type": 6})
    click = sb.click(cid, sent["id"], aid, "plan", ["y"])
    callback(click["id"], click["token"], {"type": 9, "data": MODAL}, query="", expect=204)
    submitted = sb.submit_modal(click["id"], {"code": "DEZ"})
    answer = callback(submitted["id"], submitted["token"],
                      {"type": 4, "data": {"content": "Cupom aplicado"}})
    metadata = answer["resource"]["message"]["interaction_metadata"]
    assert metadata["triggering_interaction_metadata"]["id"] == click["id"]
    slash = sb.run_command(cid, aid, "loja")
    body = callback(slash["id"], slash["token"], {"type": "quatro"}, expect=400)
    assert form_error(body, "type") in ("BASE_TYPE_CHOICES", "NUMBER_TYPE_COERCE")
    assert form_error(callback(slash["id"], slash["token"], {"type": 4, "data": {"content": 5}},
                               expect=400), "data", "content") == "BASE_TYPE_STRING"
    assert api("POST", f"/interactions/{slash['id']}/{slash['token']}/callback", raw=bad,
               auth="", expect=400)[1]["code"] == 50109
    api("POST", f"/interactions/x/{slash['token']}/callback", {"type": 1}, auth="", expect=400)
    callback(slash["id"], slash["token"], {"type": 5}, query="", expect=204)
    return {"app": app, "bearer": bearer}


def oauth_bearer(sb: DiscordSandbox, app: dict[str, Any], user_id: str) -> str:
    """The authorization-code flow (RFC 6749 4.1) for a Bearer token with `guilds`."""
    params = {"client_id": app["id"], "redirect_uri": "http://127.0.0.1/cb",
              "response_type": "code", "scope": "identify guilds email", "state": "s1"}
    query = urllib.parse.urlencode(params)
    page = OPENER.open(f"{sb.url}/api/v10/oauth2/authorize?{query}", timeout=30)
    assert page.status == 200 and "text/html" in page.headers["Content-Type"]
    form = urllib.parse.urlencode(params | {"user_id": user_id}).encode()
    try:
        OPENER.open(urllib.request.Request(f"{sb.url}/api/v10/oauth2/authorize", data=form),
                    timeout=30)
        raise AssertionError("no redirect")
    except urllib.error.HTTPError as exc:
        assert exc.code == 302
        location = urllib.parse.urlparse(exc.headers["Location"])
    got = dict(urllib.parse.parse_qsl(location.query))
    assert got["state"] == "s1"
    token_form = {"grant_type": "authorization_code", "code": got["code"],
                  "redirect_uri": params["redirect_uri"], "client_id": app["id"],
                  "client_secret": app["client_secret"]}
    with OPENER.open(urllib.request.Request(f"{sb.url}/api/v10/oauth2/token",
                                            data=urllib.parse.urlencode(token_form).encode()),
                     timeout=30) as response:
        grant = json.loads(response.read())
    assert {"access_token", "token_type", "expires_in", "refresh_token", "scope"} <= set(grant)
    assert grant["token_type"] == "Bearer" and isinstance(grant["expires_in"], int)
    try:
        OPENER.open(urllib.request.Request(f"{sb.url}/api/v10/oauth2/token",
                                           data=urllib.parse.urlencode(token_form).encode()),
                    timeout=30)
        raise AssertionError("a code worked twice")
    except urllib.error.HTTPError as exc:  # RFC 6749 5.2
        assert exc.code == 400 and json.loads(exc.read())["error"] == "invalid_grant"
    return grant["access_token"]


# ---- validation ------------------------------------------------------------------------------


def spec_operation(exchange: dict[str, Any]) -> openapi.Operation:
    spec_path, spec_method = SPEC_ROUTES[(exchange["method"], exchange["route"])]
    if exchange["path"].endswith("/messages/@original"):
        spec_path = spec_path.replace("{message_id}", "@original")
    op = openapi.find_operation(spec_method, spec_path)
    assert op is not None and op.path == spec_path
    return op


def response_problems(exchange: dict[str, Any]) -> list[str]:
    op = spec_operation(exchange)
    status = exchange["status"]
    where = f"{exchange['method']} {exchange['path']} -> {status}"
    if not op.documents(status):
        return [f"{where}: status not in the spec"]
    schema = op.response_schema(status)
    if schema is None:
        return [] if exchange["response"] is None else [f"{where}: body where spec has none"]
    errors = openapi.validator(schema).iter_errors(exchange["response"])
    return [f"{where}: {'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
            for e in openapi.leaf_errors(errors)]


def request_problems(exchange: dict[str, Any]) -> list[str]:
    op = spec_operation(exchange)
    schema = op.request_schema()
    if schema is None or exchange["status"] >= 400:
        return []
    return [f"{exchange['method']} {exchange['path']}: {'/'.join(map(str, e.absolute_path))}: "
            f"{e.message[:300]}"
            for e in openapi.leaf_errors(
                openapi.validator(schema, request=True).iter_errors(exchange["request"]))]


@pytest.fixture
def sb() -> Iterator[DiscordSandbox]:
    with discord_py_sandbox() as sandbox:
        yield sandbox


def test_every_route_answers_on_spec(sb: DiscordSandbox) -> None:
    run_scenario(sb)
    exchanges = [e for e in sb.exchanges() if (e["method"], e["route"]) in SPEC_ROUTES]
    problems = [p for e in exchanges for p in response_problems(e)]
    assert not problems, "\n".join(problems)
    ok = {(e["method"], e["route"]) for e in exchanges if e["status"] < 300}
    refused = {(e["method"], e["route"]) for e in exchanges if 400 <= e["status"] < 500}
    assert ok == set(SPEC_ROUTES), f"never answered 2xx: {set(SPEC_ROUTES) - ok}"
    assert refused | NO_MALFORMED_FORM == set(SPEC_ROUTES), set(SPEC_ROUTES) - refused
    # A route with any input (path ids, query, body) refuses a malformed one with a 400.
    with_input = {(e["method"], e["route"]) for e in exchanges if spec_operation(e).parameters
                  or spec_operation(e).request_schema() is not None}
    malformed = {(e["method"], e["route"]) for e in exchanges if e["status"] == 400}
    assert with_input <= malformed, with_input - malformed
    operations = {spec_operation(e).path + " " + spec_operation(e).method for e in exchanges}
    assert len(operations) == sum(len(m) for m in openapi.EMULATED.values()) == 41


# ---- what discord.py sends -------------------------------------------------------------------


class ContractView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.add_item(discord.ui.Button(label="Comprar", custom_id="buy:1",
                                        style=discord.ButtonStyle.green))
        self.add_item(discord.ui.Button(label="Site", url="https://example.com"))
        self.add_item(discord.ui.Select(custom_id="plan", options=[
            discord.SelectOption(label="Mensal", value="m", description="30 dias"),
            discord.SelectOption(label="Anual", value="y", emoji="⭐")]))


class CouponModal(discord.ui.Modal, title="Cupom"):
    code = discord.ui.TextInput(label="Código", custom_id="code", max_length=20)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"cupom {self.code.value}", ephemeral=True)


@pytest.mark.asyncio
async def test_discord_py_requests_fit_the_request_schemas(sb: DiscordSandbox) -> None:
    app = await sb.aio.create_application("Py Bot", intents=MEMBERS)
    alice = await sb.aio.create_user("alice")
    guild = await sb.aio.create_guild("Py", [app["id"]])
    await sb.aio.add_member(guild["id"], alice["id"])
    role = await sb.aio.create_role(guild["id"], "VIP")
    cid = guild["channels"][0]["id"]
    client = discord.Client(intents=discord.Intents.default() | discord.Intents(members=True))
    tree = app_commands.CommandTree(client)
    done: dict[str, asyncio.Event] = {k: asyncio.Event() for k in ("slash", "modal", "click")}

    @tree.command(name="loja", description="Abre a loja")
    @app_commands.describe(produto="Qual produto")
    @app_commands.choices(produto=[app_commands.Choice(name="VIP", value="vip")])
    async def loja(interaction: discord.Interaction, produto: str | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        file = discord.File(io.BytesIO(b"\x89PNG"), filename="qr.png")
        embed = discord.Embed(title="PIX", description="Pague").set_image(
            url="attachment://qr.png").add_field(name="Total", value="R$ 1,00")
        await interaction.followup.send(embed=embed, file=file, view=ContractView())
        await interaction.edit_original_response(content="ok")
        done["slash"].set()

    @tree.command(name="cupom", description="Usa um cupom")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def cupom(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(CouponModal())
        done["modal"].set()

    async with running_client(client, app["token"]):
        await tree.sync()
        await tree.sync(guild=discord.Object(int(guild["id"])))
        channel = client.get_channel(int(cid))
        message = await channel.send("Loja", embed=discord.Embed(title="Produto"),
                                     view=ContractView(),
                                     allowed_mentions=discord.AllowedMentions.none())
        await message.edit(content="Loja aberta", view=None)
        member = await client.get_guild(int(guild["id"])).fetch_member(int(alice["id"]))
        await member.add_roles(discord.Object(int(role["id"])), reason="compra")
        await member.edit(nick="Alice", roles=[discord.Object(int(role["id"]))])
        await member.remove_roles(discord.Object(int(role["id"])))
        await member.send("Sua chave: ABC")
        thread = await channel.create_thread(
            name="carrinho", type=discord.ChannelType.private_thread, invitable=False)
        await thread.add_user(member)
        await thread.send(f"<@{alice['id']}> olá",
                          allowed_mentions=discord.AllowedMentions(users=True))
        await thread.remove_user(member)
        await thread.delete()
        await sb.aio.run_command(cid, alice["id"], "loja", {"produto": "vip"})
        await asyncio.wait_for(done["slash"].wait(), 10)
        opened = await sb.aio.run_command(cid, alice["id"], "cupom")
        await asyncio.wait_for(done["modal"].wait(), 10)
        submitted = await sb.aio.submit_modal(opened["id"], {"code": "DEZ"})
        answer = await sb.aio.interaction(submitted["id"], wait=5)
        assert answer["response"]["type"] == 4
    exchanges = [e for e in await sb.aio.exchanges() if (e["method"], e["route"]) in SPEC_ROUTES]
    with_body = [e for e in exchanges if spec_operation(e).request_schema() is not None]
    assert {e["route"] for e in with_body} >= {
        "/applications/{application_id}/commands",
        "/applications/{application_id}/guilds/{guild_id}/commands",
        "/channels/{channel_id}/messages", "/channels/{channel_id}/messages/{message_id}",
        "/guilds/{guild_id}/members/{user_id}", "/users/@me/channels",
        "/channels/{channel_id}/threads",
        "/interactions/{interaction_id}/{interaction_token}/callback",
        "/webhooks/{webhook_id}/{webhook_token}",
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"}
    assert all(e["status"] < 400 for e in exchanges), [e for e in exchanges if e["status"] >= 400]
    problems = [p for e in with_body for p in request_problems(e)]
    problems += [p for e in exchanges for p in response_problems(e)]
    assert not problems, "\n".join(problems)


# ---- fuzzing the request bodies ----------------------------------------------------------------

FUZZ_EXAMPLES = int(os.environ.get("DISCORD_FUZZ_EXAMPLES", "200"))

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=4),
    max_leaves=10,
)


def fuzz_targets(sb: DiscordSandbox) -> tuple[Api, list[tuple[str, str, dict[str, Any] | list]]]:
    """(method, path, a valid body) for every route that takes a body."""
    app = sb.create_application("Fuzz Bot", intents=MEMBERS)
    api = Api(sb, app["token"])
    alice = sb.create_user("alice")
    guild = sb.create_guild("Fuzz", [app["id"]])
    gid, cid, aid = guild["id"], guild["channels"][0]["id"], alice["id"]
    sb.add_member(gid, aid)
    api("PUT", f"/applications/{app['id']}/commands", COMMANDS, expect=200)
    mid = api("POST", f"/channels/{cid}/messages", {"content": "x"}, expect=200)[1]["id"]
    slash = sb.run_command(cid, aid, "loja")
    api("POST", f"/interactions/{slash['id']}/{slash['token']}/callback", {"type": 5}, auth="",
        expect=204)
    fresh = sb.run_command(cid, aid, "loja")
    hook = f"/webhooks/{app['id']}/{slash['token']}"
    message = {"content": "oi", "embeds": [{"title": "t"}], "components": VIEW_COMPONENTS}
    return api, [
        ("PUT", f"/applications/{app['id']}/commands", COMMANDS),
        ("POST", f"/applications/{app['id']}/guilds/{gid}/commands", COMMANDS[1]),
        ("POST", "/users/@me/channels", {"recipient_id": aid}),
        ("POST", f"/channels/{cid}/messages", message),
        ("PATCH", f"/channels/{cid}/messages/{mid}", message),
        ("POST", f"/channels/{cid}/threads", {"name": "t", "type": PRIVATE_THREAD}),
        ("PATCH", f"/guilds/{gid}/members/{aid}", {"nick": "A", "roles": []}),
        ("POST", f"/interactions/{fresh['id']}/{fresh['token']}/callback",
         {"type": 4, "data": message}),
        ("POST", f"{hook}?wait=true", message),
        ("PATCH", f"{hook}/messages/@original", message),
    ]


def test_fuzzed_bodies_are_refused_on_spec_never_with_a_500(sb: DiscordSandbox) -> None:
    """Accepted means the body fits the request schema; refused means a spec-shaped 4xx."""
    api, targets = fuzz_targets(sb)
    counts = {"accepted": 0, "refused": 0}

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(target=st.sampled_from(targets), field=st.text(max_size=12), value=JSON,
           whole=st.booleans())
    def check(target: tuple[str, str, Any], field: str, value: Any, whole: bool) -> None:
        method, path, valid = target
        if whole:
            body = value
        elif isinstance(valid, dict):
            keys = sorted(valid)
            body = valid | {keys[len(field) % len(keys)] if field.isascii() else field: value}
        else:
            body = [valid[0] | {"name": value}]
        token = "" if "/webhooks/" in path or "/interactions/" in path else None
        status, answer, _ = api(method, path, raw=json.dumps(body).encode(), auth=token)
        counts["accepted" if status < 300 else "refused"] += 1
        op = openapi.find_operation(method, urllib.parse.urlparse(path).path)
        assert op is not None
        if status < 300:
            schema = op.request_schema()
            fits = openapi.validator(schema, request=True).is_valid(body)
            assert fits, f"{method} {path} accepted an off-spec body: {body!r}"
        else:
            errors = list(openapi.validator(op.response_schema(status)).iter_errors(answer))
            assert not errors, (body, answer)

    check()
    assert counts["accepted"] > 0 and counts["refused"] > 0
    assert sum(counts.values()) == FUZZ_EXAMPLES


@pytest.mark.asyncio
async def test_the_bots_command_sync_fits_the_spec(sb: DiscordSandbox) -> None:
    """The shop bot (bot/) syncs its slash commands at login; that PUT fits the spec."""
    from bot.__main__ import ShopBot
    from bot.config import Config

    app = await sb.aio.create_application("Loja Bot", intents=MEMBERS)
    config = Config(discord_token=app["token"], platform_url="http://127.0.0.1:9",
                    instance_token="vtr_unused", discord_api_url="", discord_gateway_url="",
                    heartbeat_seconds=30)
    for locale in ("", "en"):
        bot = ShopBot(config if not locale else Config(**{**config.__dict__, "locale": locale}))
        await bot.login(app["token"])  # runs setup_hook: tree.sync()
        await bot.close()
    synced = [e for e in await sb.aio.exchanges()
              if (e["method"], e["route"]) == ("PUT", "/applications/{application_id}/commands")]
    assert len(synced) == 2 and all(e["status"] == 200 for e in synced)
    assert {c["name"] for c in synced[0]["request"]} >= {"loja", "carrinho", "vincular"}
    problems = [p for e in synced for p in request_problems(e) + response_problems(e)]
    assert not problems, "\n".join(problems)
