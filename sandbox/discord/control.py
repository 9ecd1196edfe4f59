"""Control API under /_sandbox/ (JSON) used by tests, the console and people with curl."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from aiohttp import web

from sandbox.discord import errors, interactions, messages
from sandbox.discord.errors import json_response
from sandbox.discord.gateway import drop_session
from sandbox.discord.models import DM, Application, Guild
from sandbox.discord.ratelimits import Hold, LimitRule, Outage, RateLimiter
from sandbox.discord.routing import state_of
from sandbox.discord.state import DEFAULT_BOT_PERMS, SandboxState

LIMITER_KEY = web.AppKey("discord_sandbox_limiter", RateLimiter)
routes = web.RouteTableDef()


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    data = await request.json()
    return data if isinstance(data, dict) else {}


def _int(request: web.Request, name: str) -> int:
    return int(request.match_info[name])


def app_info(app: Application) -> dict[str, Any]:
    return {
        "id": str(app.id),
        "name": app.name,
        "token": app.token,
        "bot_user_id": str(app.bot_user_id),
        "client_id": str(app.id),
        "client_secret": app.client_secret,
        "redirect_uris": app.redirect_uris,
        "enabled_intents": app.enabled_intents,
        "flags": app.flags,
        "commands": [c for scope in app.commands.values() for c in scope],
    }


def guild_info(state: SandboxState, guild: Guild) -> dict[str, Any]:
    return {
        "id": str(guild.id),
        "name": guild.name,
        "owner_id": str(guild.owner_id),
        "channels": [state.channels[c].payload() for c in guild.channel_ids],
        "roles": [r.payload() for r in sorted(guild.roles.values(), key=lambda r: r.position)],
        "members": [
            {"user": state.users[m.user_id].payload(), "roles": [str(r) for r in m.roles]}
            for m in guild.members.values()
        ],
        "apps": [str(a.id) for a in state.apps_in_guild(guild.id)],
        "threads": [
            c.payload() | {"thread_member_ids": [str(u) for u in c.thread_member_ids]}
            for c in state.channels.values()
            if c.guild_id == guild.id and c.is_thread
        ],
    }


@routes.get("/_sandbox/exchanges")
async def exchanges(request: web.Request) -> web.Response:
    return json_response(list(state_of(request).exchanges))


@routes.delete("/_sandbox/exchanges")
async def clear_exchanges(request: web.Request) -> web.Response:
    state_of(request).exchanges.clear()
    return json_response({"ok": True})


@routes.post("/_sandbox/reset")
async def reset(request: web.Request) -> web.Response:
    for session in list(state_of(request).sessions.values()):
        if session.socket is not None:
            await session.socket.close(code=4000)
    state_of(request).reset()
    request.app[LIMITER_KEY].reset()
    return json_response({"ok": True})


@routes.get("/_sandbox/state")
async def overview(request: web.Request) -> web.Response:
    state = state_of(request)
    return json_response(
        {
            "applications": [app_info(a) for a in state.apps.values()],
            "guilds": [guild_info(state, g) for g in state.guilds.values()],
            "users": [
                u.payload() | {"dms_open": u.dms_open} for u in state.users.values() if not u.bot
            ],
            "sessions": [
                {
                    "id": s.id,
                    "app_id": str(s.app_id),
                    "intents": s.intents,
                    "seq": s.seq,
                    "connected": s.connected,
                }
                for s in state.sessions.values()
            ],
        }
    )


@routes.post("/_sandbox/applications")
async def create_application(request: web.Request) -> web.Response:
    body = await _body(request)
    app = state_of(request).create_application(
        body.get("name", "Sandbox Bot"), body.get("token"), int(body.get("intents", 0))
    )
    app.redirect_uris = list(body.get("redirect_uris") or [])
    if body.get("client_secret"):
        app.client_secret = body["client_secret"]
    return json_response(app_info(app), status=201)


@routes.patch("/_sandbox/applications/{app_id}")
async def update_application(request: web.Request) -> web.Response:
    body = await _body(request)
    app = state_of(request).get_app(_int(request, "app_id"))
    if "intents" in body:
        app.enabled_intents = int(body["intents"])
    if "redirect_uris" in body:
        app.redirect_uris = list(body["redirect_uris"])
    if "client_secret" in body:
        app.client_secret = body["client_secret"]
    return json_response(app_info(app))


@routes.post("/_sandbox/users")
async def create_user(request: web.Request) -> web.Response:
    body = await _body(request)
    user = state_of(request).create_user(
        body["username"], body.get("global_name"), body.get("email")
    )
    return json_response(user.me_payload(), status=201)


@routes.patch("/_sandbox/users/{user_id}")
async def update_user(request: web.Request) -> web.Response:
    body = await _body(request)
    user = state_of(request).get_user(_int(request, "user_id"))
    if "dms_open" in body:
        user.dms_open = bool(body["dms_open"])
    return json_response(user.me_payload() | {"dms_open": user.dms_open})


@routes.get("/_sandbox/users/{user_id}/dms")
async def user_dms(request: web.Request) -> web.Response:
    state = state_of(request)
    uid = _int(request, "user_id")
    result = []
    for channel in state.channels.values():
        if channel.type == DM and uid in channel.recipient_ids:
            result.extend(sorted(channel.messages.values(), key=lambda m: int(m["id"])))
    return json_response(result)


@routes.post("/_sandbox/guilds")
async def create_guild(request: web.Request) -> web.Response:
    body = await _body(request)
    state = state_of(request)
    owner_id = int(body.get("owner_id") or state.create_user(f"owner{state.next_counter()}").id)
    guild = state.create_guild(
        body.get("name", "Sandbox Guild"),
        owner_id,
        [int(a) for a in body.get("app_ids") or []],
        int(body.get("bot_permissions", DEFAULT_BOT_PERMS)),
    )
    return json_response(guild_info(state, guild), status=201)


@routes.get("/_sandbox/guilds/{guild_id}")
async def get_guild(request: web.Request) -> web.Response:
    state = state_of(request)
    return json_response(guild_info(state, state.get_guild(_int(request, "guild_id"))))


@routes.post("/_sandbox/guilds/{guild_id}/bots")
async def add_bot(request: web.Request) -> web.Response:
    body = await _body(request)
    role = state_of(request).add_bot(
        _int(request, "guild_id"),
        int(body["app_id"]),
        int(body.get("permissions", DEFAULT_BOT_PERMS)),
    )
    return json_response({"role": role.payload()}, status=201)


@routes.post("/_sandbox/guilds/{guild_id}/channels")
async def create_channel(request: web.Request) -> web.Response:
    body = await _body(request)
    channel = state_of(request).create_channel(
        _int(request, "guild_id"), body["name"], int(body.get("type", 0)), topic=body.get("topic")
    )
    return json_response(channel.payload(), status=201)


@routes.post("/_sandbox/guilds/{guild_id}/roles")
async def create_role(request: web.Request) -> web.Response:
    body = await _body(request)
    position = body.get("position", 1)
    role = state_of(request).create_role(
        _int(request, "guild_id"),
        body["name"],
        int(body.get("permissions", 0)),
        None if position is None else int(position),
    )
    return json_response(role.payload(), status=201)


@routes.post("/_sandbox/guilds/{guild_id}/members")
async def add_member(request: web.Request) -> web.Response:
    body = await _body(request)
    state = state_of(request)
    member = state.add_member(
        _int(request, "guild_id"), int(body["user_id"]), [int(r) for r in body.get("roles") or []]
    )
    return json_response(member.payload(state.users[member.user_id]), status=201)


@routes.get("/_sandbox/guilds/{guild_id}/members/{user_id}")
async def get_member(request: web.Request) -> web.Response:
    state = state_of(request)
    member = state.get_member(_int(request, "guild_id"), _int(request, "user_id"))
    return json_response(member.payload(state.users[member.user_id]))


@routes.delete("/_sandbox/guilds/{guild_id}/members/{user_id}")
async def leave_guild(request: web.Request) -> web.Response:
    state_of(request).remove_member(_int(request, "guild_id"), _int(request, "user_id"))
    return json_response({"ok": True})


@routes.get("/_sandbox/channels/{channel_id}/messages")
async def channel_messages(request: web.Request) -> web.Response:
    channel = state_of(request).get_channel(_int(request, "channel_id"))
    return json_response(sorted(channel.messages.values(), key=lambda m: int(m["id"])))


@routes.get("/_sandbox/channels/{channel_id}")
async def channel_info(request: web.Request) -> web.Response:
    state = state_of(request)
    channel = state.get_channel(_int(request, "channel_id"))
    return json_response(
        channel.payload(state.users)
        | {"thread_member_ids": [str(u) for u in sorted(channel.thread_member_ids)]}
    )


@routes.post("/_sandbox/channels/{channel_id}/messages")
async def user_message(request: web.Request) -> web.Response:
    """A simulated user writes in a channel (MESSAGE_CREATE to the bots)."""
    body = await _body(request)
    state = state_of(request)
    channel = state.get_channel(_int(request, "channel_id"))
    messages.validate(body, [])
    message = messages.new_message(state, channel, int(body["user_id"]), body, [])
    messages.post_message(state, channel, message)
    return json_response(message, status=201)


def _pick_app(state: SandboxState, body: dict[str, Any], guild_id: int | None) -> Application:
    if body.get("app_id"):
        return state.get_app(int(body["app_id"]))
    apps = state.apps_in_guild(guild_id) if guild_id else list(state.apps.values())
    if not apps:
        raise errors.ApiError(404, 10002, "Unknown Application")
    return apps[0]


@routes.post("/_sandbox/interactions/command")
async def run_command(request: web.Request) -> web.Response:
    body = await _body(request)
    state = state_of(request)
    if body.get("dm"):
        # Slash command typed in the user's DM with the bot.
        app = _pick_app(state, body, None)
        channel = state.dm_channel(app.bot_user_id, int(body["user_id"]))
    else:
        channel = state.get_channel(int(body["channel_id"]))
        app = _pick_app(state, body, channel.guild_id)
    interaction = interactions.run_command(
        state, app, channel, int(body["user_id"]), body["name"], body.get("options")
    )
    return json_response(interactions.summary(state, interaction), status=201)


@routes.post("/_sandbox/interactions/component")
async def click_component(request: web.Request) -> web.Response:
    body = await _body(request)
    state = state_of(request)
    channel = state.get_channel(int(body["channel_id"]))
    interaction = interactions.click(
        state,
        channel,
        int(body["message_id"]),
        int(body["user_id"]),
        body["custom_id"],
        body.get("values"),
    )
    return json_response(interactions.summary(state, interaction), status=201)


@routes.post("/_sandbox/interactions/{interaction_id}/modal")
async def submit_modal(request: web.Request) -> web.Response:
    body = await _body(request)
    state = state_of(request)
    opener = state.interactions.get(_int(request, "interaction_id"))
    if opener is None:
        raise errors.unknown_interaction()
    interaction = interactions.submit_modal(state, opener, body.get("values") or {})
    return json_response(interactions.summary(state, interaction), status=201)


@routes.get("/_sandbox/interactions/{interaction_id}")
async def get_interaction(request: web.Request) -> web.Response:
    """`?wait=N` long-polls up to N seconds for the bot's response (no sleeping clients)."""
    state = state_of(request)
    interaction = state.interactions.get(_int(request, "interaction_id"))
    if interaction is None:
        raise errors.unknown_interaction()
    wait = float(request.query.get("wait", "0"))
    if wait > 0 and interaction.response is None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(interaction.responded.wait(), timeout=wait)
    return json_response(interactions.summary(state, interaction))


@routes.post("/_sandbox/sessions/{session_id}/drop")
async def drop(request: web.Request) -> web.Response:
    body = await _body(request)
    ok = await drop_session(
        state_of(request), request.match_info["session_id"], int(body.get("code", 4000))
    )
    return json_response({"dropped": ok})


@routes.post("/_sandbox/applications/{app_id}/drop")
async def drop_app(request: web.Request) -> web.Response:
    """Drop every live gateway socket of an application (a network blip)."""
    body = await _body(request)
    state = state_of(request)
    dropped = [s.id for s in state.sessions_for(_int(request, "app_id")) if s.connected]
    for sid in dropped:
        await drop_session(state, sid, int(body.get("code", 4000)))
    return json_response({"dropped": dropped})


@routes.post("/_sandbox/ratelimits")
async def add_ratelimit(request: web.Request) -> web.Response:
    body = await _body(request)
    rule = LimitRule(
        body.get("method", "POST").upper(),
        body["route"],
        int(body.get("count", 1)),
        float(body.get("retry_after", 0.05)),
        bool(body.get("global", False)),
    )
    request.app[LIMITER_KEY].add(rule)
    return json_response({"ok": True}, status=201)


@routes.get("/_sandbox/ratelimits")
async def list_ratelimits(request: web.Request) -> web.Response:
    return json_response(
        [
            {
                "method": r.method,
                "route": r.route,
                "remaining": r.remaining,
                "retry_after": r.retry_after,
                "hits": r.hits,
            }
            for r in request.app[LIMITER_KEY].rules
        ]
    )


@routes.delete("/_sandbox/ratelimits")
async def clear_ratelimits(request: web.Request) -> web.Response:
    request.app[LIMITER_KEY].reset()
    return json_response({"ok": True})


@routes.post("/_sandbox/outage")
async def start_outage(request: web.Request) -> web.Response:
    """Fault injection: every API request answers `status` (500, 502, 429...) for `seconds`."""
    body = await _body(request)
    seconds = float(body.get("seconds", 60))
    limiter = request.app[LIMITER_KEY]
    limiter.outage = Outage(int(body.get("status", 500)), time.monotonic() + seconds,
                            float(body.get("retry_after", 1.0)))
    return json_response({"ok": True}, status=201)


@routes.get("/_sandbox/outage")
async def get_outage(request: web.Request) -> web.Response:
    outage = request.app[LIMITER_KEY].outage_now()
    return json_response(None if outage is None else {
        "status": outage.status, "left": round(outage.until - time.monotonic(), 3),
        "hits": outage.hits})


@routes.post("/_sandbox/holds")
async def add_hold(request: web.Request) -> web.Response:
    """Fault injection: the next `count` requests on a route wait `seconds`, before or after
    the sandbox handles them (a caller killed meanwhile left its call undone, or done)."""
    body = await _body(request)
    request.app[LIMITER_KEY].holds.append(Hold(
        body.get("method", "POST").upper(), body["route"], float(body.get("seconds", 30)),
        body.get("phase", "before"), int(body.get("count", 1))))
    return json_response({"ok": True}, status=201)


@routes.get("/_sandbox/holds")
async def list_holds(request: web.Request) -> web.Response:
    return json_response([{"route": h.route, "phase": h.phase, "entered": h.entered,
                           "remaining": h.remaining} for h in request.app[LIMITER_KEY].holds])
