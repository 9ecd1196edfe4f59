"""Wire-level checks of the sandbox's REST errors, headers, gateway framing and OAuth2."""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import aiohttp
import pytest
import requests

from sandbox.discord.testing import DiscordSandbox

REDIRECT = "http://127.0.0.1:8000/accounts/discord/login/callback/"


@pytest.fixture
def sb() -> Iterator[DiscordSandbox]:
    with DiscordSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def ids(sb: DiscordSandbox) -> dict[str, Any]:
    app = sb.create_application("Shop Bot", redirect_uris=[REDIRECT])
    alice = sb.create_user("alice", email="alice@example.test")
    guild = sb.create_guild("Loja", [app["id"]], owner_id=alice["id"])
    return {
        "app": app,
        "alice": alice,
        "guild": guild,
        "channel": guild["channels"][0]["id"],
        "auth": {"Authorization": f"Bot {app['token']}"},
    }


def test_bad_token_is_discord_401(sb: DiscordSandbox) -> None:
    response = requests.get(
        f"{sb.api_base}/users/@me", headers={"Authorization": "Bot nope"}, timeout=5
    )
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"message": "401: Unauthorized", "code": 0}


def test_rate_limit_headers_and_429(sb: DiscordSandbox, ids: dict[str, Any]) -> None:
    url = f"{sb.api_base}/channels/{ids['channel']}/messages"
    ok = requests.get(url, headers=ids["auth"], timeout=5)
    for header in ("Limit", "Remaining", "Reset", "Reset-After", "Bucket"):
        assert f"X-RateLimit-{header}" in ok.headers
    sb.rate_limit("GET", "/channels/{channel_id}/messages", retry_after=0.25)
    limited = requests.get(url, headers=ids["auth"], timeout=5)
    assert limited.status_code == 429
    assert limited.json() == {
        "message": "You are being rate limited.",
        "retry_after": 0.25,
        "global": False,
    }
    assert limited.headers["Via"] == "1.1 google" and limited.headers["Retry-After"] == "1"
    assert requests.get(url, headers=ids["auth"], timeout=5).status_code == 200


def test_enforce_nonce_returns_the_message_already_made(sb: DiscordSandbox,
                                                        ids: dict[str, Any]) -> None:
    """Discord: with enforce_nonce, a second message with the same nonce from the same author
    returns the first one; without it, or with another nonce, a new one is made."""
    url = f"{sb.api_base}/channels/{ids['channel']}/messages"

    def post(**body: Any) -> dict[str, Any]:
        response = requests.post(url, json={"content": "KEY-1", **body}, headers=ids["auth"],
                                 timeout=5)
        assert response.status_code == 200, response.text
        return response.json()

    first = post(nonce="vd1.0", enforce_nonce=True)
    assert post(nonce="vd1.0", enforce_nonce=True)["id"] == first["id"]
    assert post(nonce="vd2.0", enforce_nonce=True)["id"] != first["id"]
    assert post(nonce="vd1.0")["id"] != first["id"]  # nonce alone is not checked
    assert len(sb.messages(ids["channel"])) == 3


def test_unknown_resources_and_invalid_form(sb: DiscordSandbox, ids: dict[str, Any]) -> None:
    base, auth = sb.api_base, ids["auth"]
    missing = requests.get(f"{base}/channels/1/messages", headers=auth, timeout=5)
    assert (missing.status_code, missing.json()["code"]) == (404, 10003)
    message = requests.get(f"{base}/channels/{ids['channel']}/messages/1", headers=auth, timeout=5)
    assert (message.status_code, message.json()["code"]) == (404, 10008)
    too_long = requests.post(
        f"{base}/channels/{ids['channel']}/messages",
        headers=auth,
        json={"content": "x" * 2001},
        timeout=5,
    )
    body = too_long.json()
    assert too_long.status_code == 400 and body["code"] == 50035
    assert body["message"] == "Invalid Form Body"
    assert body["errors"]["content"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    empty = requests.post(
        f"{base}/channels/{ids['channel']}/messages", headers=auth, json={}, timeout=5
    )
    assert empty.json()["code"] == 50006


def test_api_version_prefixes(sb: DiscordSandbox, ids: dict[str, Any]) -> None:
    for prefix in ("/api/v10", "/api/v9", "/api"):
        response = requests.get(f"{sb.url}{prefix}/users/@me", headers=ids["auth"], timeout=5)
        assert response.json()["id"] == ids["app"]["id"]
    gateway = requests.get(f"{sb.api_base}/gateway/bot", headers=ids["auth"], timeout=5).json()
    assert gateway["url"] == sb.gateway_url and gateway["shards"] == 1


def test_oauth2_authorization_code_flow(sb: DiscordSandbox, ids: dict[str, Any]) -> None:
    app, alice = ids["app"], ids["alice"]
    params = {
        "client_id": app["client_id"],
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "identify email guilds",
        "state": "xyz",
    }
    page = requests.get(f"{sb.url}/api/oauth2/authorize", params=params, timeout=5)
    assert page.status_code == 200 and "alice" in page.text
    consent = requests.post(
        f"{sb.url}/api/oauth2/authorize",
        data=params | {"user_id": alice["id"]},
        allow_redirects=False,
        timeout=5,
    )
    assert consent.status_code == 302
    location = urlparse(consent.headers["Location"])
    query = parse_qs(location.query)
    assert location.path == "/accounts/discord/login/callback/" and query["state"] == ["xyz"]

    token = requests.post(
        f"{sb.url}/api/oauth2/token",
        auth=(app["client_id"], app["client_secret"]),
        data={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": REDIRECT,
        },
        timeout=5,
    ).json()
    assert token["token_type"] == "Bearer" and token["scope"] == "identify email guilds"
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    me = requests.get(f"{sb.url}/api/users/@me", headers=bearer, timeout=5).json()
    assert (me["id"], me["email"], me["verified"]) == (alice["id"], "alice@example.test", True)
    guilds = requests.get(f"{sb.url}/api/users/@me/guilds", headers=bearer, timeout=5).json()
    assert guilds[0]["id"] == ids["guild"]["id"] and guilds[0]["owner"] is True

    reused = requests.post(
        f"{sb.url}/api/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": REDIRECT,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
        timeout=5,
    )
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    bad_redirect = requests.get(
        f"{sb.url}/oauth2/authorize",
        params=params | {"redirect_uri": "http://evil.test/"},
        timeout=5,
    )
    assert bad_redirect.status_code == 400


async def _gateway_frames(url: str, first: dict[str, Any] | None, count: int) -> list[Any]:
    """Connect, optionally send one payload, and decode `count` frames (zlib-stream or text)."""
    inflater = zlib.decompressobj()
    frames: list[Any] = []
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        while len(frames) < count:
            msg = await asyncio.wait_for(ws.receive(), timeout=5)
            if msg.type == aiohttp.WSMsgType.BINARY:
                frames.append(json.loads(inflater.decompress(msg.data)))
            elif msg.type == aiohttp.WSMsgType.TEXT:
                frames.append(json.loads(msg.data))
            else:
                frames.append(("closed", ws.close_code))
            if len(frames) == 1 and first is not None:
                await ws.send_json(first)
    return frames


@pytest.mark.asyncio
async def test_gateway_zlib_hello_and_bad_identify(sb: DiscordSandbox) -> None:
    zurl = f"{sb.gateway_url}?v=10&encoding=json&compress=zlib-stream"
    identify = {"op": 2, "d": {"token": "bad", "intents": 513, "properties": {}}}
    hello, closed = await _gateway_frames(zurl, identify, 2)
    assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
    assert closed == ("closed", 4004)

    resume = {"op": 6, "d": {"token": "bad", "session_id": "nope", "seq": 3}}
    _, invalid = await _gateway_frames(f"{sb.gateway_url}?v=10&encoding=json", resume, 2)
    assert invalid == {"op": 9, "d": False, "s": None, "t": None}


async def _recv(ws: aiohttp.ClientWebSocketResponse) -> Any:
    msg = await asyncio.wait_for(ws.receive(), timeout=5)
    return json.loads(msg.data) if msg.type == aiohttp.WSMsgType.TEXT else ("closed", msg.data)


@pytest.mark.asyncio
async def test_raw_resume_replays_and_clean_close_ends_session(
    sb: DiscordSandbox, ids: dict[str, Any]
) -> None:
    token, url = ids["app"]["token"], f"{sb.gateway_url}?v=10&encoding=json"
    identify = {"op": 2, "d": {"token": token, "intents": 513, "properties": {}}}
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(url) as ws:
            assert (await _recv(ws))["op"] == 10
            await ws.send_json(identify)
            ready = await _recv(ws)
            guild_create = await _recv(ws)
            assert (ready["t"], ready["s"], guild_create["t"]) == ("READY", 1, "GUILD_CREATE")
            session_id = ready["d"]["session_id"]
            await ws.send_json({"op": 1, "d": 2})
            assert (await _recv(ws))["op"] == 11
            await sb.aio.drop_connections(ids["app"]["id"])
            assert (await _recv(ws))[0] == "closed"
        await sb.aio.send_as_user(ids["channel"], ids["alice"]["id"], "missed")

        resume = {"op": 6, "d": {"token": token, "session_id": session_id, "seq": 2}}
        async with http.ws_connect(ready["d"]["resume_gateway_url"] + "?v=10") as ws:
            await _recv(ws)
            await ws.send_json(resume)
            missed, resumed = await _recv(ws), await _recv(ws)
            assert (missed["t"], missed["s"]) == ("MESSAGE_CREATE", 3)
            # No MESSAGE_CONTENT intent: the bot sees the message but not its text.
            assert missed["d"]["author"]["id"] == ids["alice"]["id"]
            assert missed["d"]["content"] == ""
            assert resumed["t"] == "RESUMED"
            await ws.close(code=1000)

        async with http.ws_connect(url) as ws:
            await _recv(ws)
            await ws.send_json(resume)
            assert (await _recv(ws))["op"] == 9
