"""The one module that talks to Discord's REST API for fulfillment (DESIGN.md: wrap each SDK).

discord.py's `HTTPClient` does the HTTP and the rate limits (buckets, 429 `retry_after`, the
global limit); we add a small sync surface for Celery tasks and one typed error that says
whether retrying can help. Calls run on this process's pool of logged-in clients, one per bot
token (`discord_pool`): no client, session or rate-limit state is ever shared between tenants,
and a delivery no longer pays for a login and a new connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import aiohttp
import discord
from discord.http import HTTPClient, Route
from django.conf import settings

from sales.fulfillment import discord_pool

T = TypeVar("T")

# discord.py logs request bodies at DEBUG; our bodies carry delivered keys, which are never logged.
logging.getLogger("discord.http").setLevel(logging.INFO)

DMS_CLOSED = 50007
MISSING_PERMISSIONS = 50013
UNKNOWN_MEMBER = 10007
UNKNOWN_ROLE = 10011
UNKNOWN_CHANNEL = 10003
UNAUTHORIZED = 401
CALL_TIMEOUT = discord_pool.CALL_TIMEOUT  # seconds for a call, rate-limit waits included
PRIVATE_THREAD = 12
MESSAGE_LIMIT = 2000
NONCE_LIMIT = 25  # Discord's maximum nonce length
HISTORY_LIMIT = 50  # messages read back before a repeated attempt (Discord's max: 100)


class DiscordError(Exception):
    """A Discord call failed; `permanent` says retrying the same call cannot help."""

    def __init__(self, *, permanent: bool, code: int | None, message: str) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"Discord {self.code}: {self.message}" if self.code else self.message


@dataclass(frozen=True)
class Role:
    id: str
    name: str


def _point_at_settings() -> None:
    base = settings.DISCORD_API_BASE_URL.rstrip("/")
    Route.BASE = f"{base}/v10"


def _scrub(text: str, token: str) -> str:
    return text.replace(token, "***") if token else text


def _translate(exc: BaseException, token: str) -> DiscordError:
    if isinstance(exc, discord.LoginFailure):
        return DiscordError(permanent=True, code=UNAUTHORIZED,
                            message="the bot token was refused (401)")
    if isinstance(exc, discord.HTTPException):
        code = exc.code or None
        text = _scrub(exc.text or exc.response.reason or "", token)[:200]
        if exc.status == UNAUTHORIZED:
            return DiscordError(permanent=True, code=UNAUTHORIZED,
                                message="the bot token was refused (401)")
        # 4xx (50007, 50013, 10007, ...) will fail again the same way; 5xx may pass later.
        retryable = exc.status >= 500 or exc.status == 429
        return DiscordError(permanent=not retryable, code=code or exc.status, message=text)
    if isinstance(exc, discord.RateLimited):
        return DiscordError(permanent=False, code=429, message="rate limited for too long")
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError, aiohttp.ClientError, OSError)):
        return DiscordError(permanent=False, code=None,
                            message=f"Discord unreachable: {type(exc).__name__}")
    raise exc


def _run(token: str, work: Callable[[HTTPClient], Awaitable[T]]) -> T:
    """Run `work` with a logged-in client; every failure becomes a DiscordError."""
    if not token:
        raise DiscordError(permanent=True, code=UNAUTHORIZED, message="the shop has no bot token")
    _point_at_settings()
    try:
        return discord_pool.pool().run(token, work)
    except DiscordError:
        raise
    except Exception as exc:
        raise _translate(exc, token) from None


def chunks(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split on line breaks into messages Discord accepts (2,000 characters each)."""
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        if len(current) + len(line) > limit and current:
            parts.append(current)
            current = ""
        current += line
    parts.append(current)
    # A single line longer than the limit is cut; keys and links are far shorter.
    return [p.rstrip("\n")[:limit] for p in parts if p.strip()] or [text[:limit]]


async def _send(http: HTTPClient, channel_id: str, content: str,
                mention: str | None = None, nonce: str = "") -> str:
    last = ""
    allowed = {"users": [mention] if mention else []}
    for index, part in enumerate(chunks(content)):
        body: dict = {"content": part, "allowed_mentions": allowed}
        if nonce:
            # Discord returns the message already made with this nonce (same author, last few
            # minutes) instead of a second one: a retry after a lost answer sends nothing twice.
            body |= {"nonce": f"{nonce}.{index}"[:NONCE_LIMIT], "enforce_nonce": True}
        message = await http.request(
            Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id), json=body)
        last = str(message["id"])
    return last


async def _send_missing(http: HTTPClient, channel_id: str, content: str, nonce: str) -> str:
    """Send the parts of `content` that the channel's recent history does not already hold.

    Discord honours a nonce for a few minutes only; the stale-claim sweep re-runs a delivery
    whose worker died 15 minutes later. Reading the last messages back makes that attempt send
    only what is missing, however late it comes.
    """
    recent = await http.logs_from(channel_id, HISTORY_LIMIT)
    sent = {str(m.get("content", "")): str(m["id"]) for m in reversed(recent)}
    parts = chunks(content)
    if not any(part in sent for part in parts):
        return await _send(http, channel_id, content, nonce=nonce)
    last = ""
    for part in parts:
        last = sent.get(part) or await _send(http, channel_id, part)
    return last


def send_dm(*, token: str, user_id: str, content: str, nonce: str = "",
            read_back: bool = False) -> str:
    """DM `content` to the user; returns the last message id. 50007 when DMs are closed.

    With `nonce` (at most 22 characters), each part carries `<nonce>.<part>` with
    enforce_nonce, so sending the same thing again soon after creates nothing new.
    `read_back`: an earlier attempt may have sent it (its worker died): parts already in the
    DM channel are not sent again."""

    async def work(http: HTTPClient) -> str:
        channel = await http.start_private_message(user_id)
        if read_back:
            return await _send_missing(http, str(channel["id"]), content, nonce)
        return await _send(http, str(channel["id"]), content, nonce=nonce)

    return _run(token, work)


@dataclass(frozen=True)
class Sent:
    channel_id: str
    message_id: str


def send_dm_rich(*, token: str, user_id: str, content: str = "",
                 embeds: list[dict] | None = None,
                 components: list[dict] | None = None) -> Sent:
    """DM one message with embeds and components (buttons): the review request."""

    async def work(http: HTTPClient) -> Sent:
        channel = await http.start_private_message(user_id)
        message = await http.request(
            Route("POST", "/channels/{channel_id}/messages", channel_id=channel["id"]),
            json={"content": content[:MESSAGE_LIMIT], "embeds": embeds or [],
                  "components": components or [], "allowed_mentions": {"parse": []}})
        return Sent(str(channel["id"]), str(message["id"]))

    return _run(token, work)


def send_embed(*, token: str, channel_id: str, embeds: list[dict], content: str = "") -> str:
    """Post embeds in a channel (nobody pinged); returns the message id."""

    async def work(http: HTTPClient) -> str:
        message = await http.request(
            Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id),
            json={"content": content[:MESSAGE_LIMIT], "embeds": embeds,
                  "allowed_mentions": {"parse": []}})
        return str(message["id"])

    return _run(token, work)


def edit_embed(*, token: str, channel_id: str, message_id: str, embeds: list[dict]) -> None:
    """Replace a posted message's embeds (an edited or hidden review)."""
    _run(token, lambda http: http.request(
        Route("PATCH", "/channels/{channel_id}/messages/{message_id}", channel_id=channel_id,
              message_id=message_id), json={"embeds": embeds}))


def send_in_private_thread(*, token: str, channel_id: str, user_id: str, name: str,
                           content: str) -> str:
    """Open a private thread in `channel_id`, add the user, post `content`; returns thread id."""

    async def work(http: HTTPClient) -> str:
        thread = await http.start_thread_without_message(
            channel_id, name=name[:100], auto_archive_duration=10080, type=PRIVATE_THREAD,
            invitable=False)
        thread_id = str(thread["id"])
        await http.add_user_to_thread(thread_id, user_id)
        await _send(http, thread_id, f"<@{user_id}>\n{content}", mention=user_id)
        return thread_id

    return _run(token, work)


def send_message(*, token: str, channel_id: str, content: str, mention: str | None = None) -> str:
    """Post `content` in a channel or thread; only `mention` (a user id) is pinged, if any."""
    return _run(token, lambda http: _send(http, channel_id, content, mention=mention))


def add_role(*, token: str, guild_id: str, user_id: str, role_id: str, reason: str = "") -> None:
    _run(token, lambda http: http.add_role(guild_id, user_id, role_id, reason=reason or None))


def remove_role(*, token: str, guild_id: str, user_id: str, role_id: str,
                reason: str = "") -> None:
    _run(token, lambda http: http.remove_role(guild_id, user_id, role_id,
                                              reason=reason or None))


def guild_roles(*, token: str, guild_id: str) -> list[Role]:
    async def work(http: HTTPClient) -> list[Role]:
        return [Role(id=str(r["id"]), name=str(r["name"])) for r in await http.get_roles(guild_id)]

    return _run(token, work)


def role_name(*, token: str, guild_id: str, role_id: str) -> str | None:
    """The role's name for an owner-facing message, or None when it cannot be read."""
    try:
        roles = guild_roles(token=token, guild_id=guild_id)
    except DiscordError:
        return None
    return next((r.name for r in roles if r.id == str(role_id)), None)



def gateway_url(*, timeout: float = 3.0) -> str:
    """Discord's gateway URL (`GET /gateway`, no token): can this platform reach Discord's API.

    For the operators' diagnostics; raises DiscordError like every other call here.
    """
    _point_at_settings()

    async def fetch() -> str:
        limit = aiohttp.ClientTimeout(total=timeout)
        async with aiohttp.ClientSession(timeout=limit) as session, session.get(
                f"{Route.BASE}/gateway") as response:
            if response.status >= 400:
                raise DiscordError(permanent=response.status < 500, code=response.status,
                                   message=f"GET /gateway answered {response.status}")
            return str((await response.json()).get("url", ""))

    try:
        return asyncio.run(fetch())
    except DiscordError:
        raise
    except Exception as exc:
        raise _translate(exc, "") from None
