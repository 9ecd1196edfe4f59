"""REST: identity, application commands, gateway discovery, guilds, members and roles."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.discord import errors, messages
from sandbox.discord.errors import json_response, no_content
from sandbox.discord.oauth import bearer_user
from sandbox.discord.routing import add_api, bot_app, snowflake, state_of
from sandbox.discord.state import SandboxState


async def users_me(request: web.Request) -> web.Response:
    # Shared with OAuth2: a Bearer token identifies a user, a Bot token the bot user.
    if request.headers.get("Authorization", "").startswith("Bearer "):
        user, scopes = bearer_user(request)
        return json_response(user.me_payload(with_email="email" in scopes))
    app = bot_app(request)
    return json_response(state_of(request).users[app.bot_user_id].me_payload(with_email=False))


async def get_user(request: web.Request) -> web.Response:
    bot_app(request)
    return json_response(state_of(request).get_user(snowflake(request, "user_id")).payload())


async def application_me(request: web.Request) -> web.Response:
    app = bot_app(request)
    state = state_of(request)
    return json_response(
        {
            "id": str(app.id),
            "name": app.name,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": app.flags,
            "owner": state.users[app.owner_id].payload(),
            "team": None,
            "bot": state.users[app.bot_user_id].payload(),
            "redirect_uris": app.redirect_uris,
            "interactions_endpoint_url": None,
            "approximate_guild_count": sum(
                app.bot_user_id in g.members for g in state.guilds.values()
            ),
            "flags_new": str(app.flags),
            "role_connections_verification_url": None,
            "approximate_user_install_count": 0,
            "approximate_user_authorization_count": 0,
            "explicit_content_filter": 0,
            "eligible_oauth2_scopes": ["applications.commands", "bot"],
        }
    )


async def gateway_bot(request: web.Request) -> web.Response:
    bot_app(request)
    return json_response(
        {
            "url": f"ws://{request.host}/gateway",
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14400000,
                "max_concurrency": 1,
            },
        }
    )


async def gateway(request: web.Request) -> web.Response:
    return json_response({"url": f"ws://{request.host}/gateway"})


# ---- application commands -----------------------------------------------------------------


def _scope(request: web.Request) -> tuple[SandboxState, Any, int | None]:
    app = bot_app(request)
    if snowflake(request, "application_id") != app.id:
        raise errors.ApiError(
            403, 20012, "You are not authorized to perform this action on this application"
        )
    guild_id = snowflake(request, "guild_id") if "guild_id" in request.match_info else None
    if guild_id is not None:
        state_of(request).get_guild(guild_id)
    return state_of(request), app, guild_id


def _normalise_command(
    state: SandboxState,
    app_id: int,
    guild_id: int | None,
    command: dict[str, Any],
    existing: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    if not command.get("name"):
        raise errors.invalid_form({"0": errors.required("name")})
    ctype = int(command.get("type") or 1)
    old = existing.get(f"{ctype}:{command['name']}")
    data = dict(command)
    data.update(
        {
            "id": old["id"] if old else str(state.ids.next()),
            "application_id": str(app_id),
            "type": ctype,
            "version": str(state.ids.next()),
            "description": command.get("description", ""),
            # A bit set, answered as a string whether it was sent as a string or an integer.
            "default_member_permissions": _permissions(command.get("default_member_permissions")),
            "dm_permission": command.get("dm_permission") is not False,
            "nsfw": bool(command.get("nsfw", False)),
            # Discord fills in the defaults: installable in guilds, usable in every context.
            "integration_types": command.get("integration_types") or [0],
            "contexts": command.get("contexts"),
        }
    )
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    return data


def _permissions(value: Any) -> str | None:
    return None if value is None else str(int(value))


async def put_commands(request: web.Request) -> web.Response:
    state, app, guild_id = _scope(request)
    body, _files = await messages.read_body(request)
    if not isinstance(body, list):
        raise errors.invalid_form(
            errors.field_error("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        )
    existing = {f"{c['type']}:{c['name']}": c for c in app.commands.get(guild_id, [])}
    commands = [_normalise_command(state, app.id, guild_id, c, existing) for c in body]
    app.commands[guild_id] = commands
    return json_response(commands)


async def get_commands(request: web.Request) -> web.Response:
    _, app, guild_id = _scope(request)
    return json_response(app.commands.get(guild_id, []))


async def post_command(request: web.Request) -> web.Response:
    state, app, guild_id = _scope(request)
    body, _files = await messages.read_body(request)
    current = app.commands.setdefault(guild_id, [])
    existing = {f"{c['type']}:{c['name']}": c for c in current}
    command = _normalise_command(state, app.id, guild_id, body, existing)
    current[:] = [c for c in current if c["id"] != command["id"]] + [command]
    return json_response(command, status=201)


# ---- guilds ---------------------------------------------------------------------------------


def _guild_for_bot(request: web.Request) -> tuple[SandboxState, Any, Any]:
    app = bot_app(request)
    state = state_of(request)
    guild = state.get_guild(snowflake(request, "guild_id"))
    if app.bot_user_id not in guild.members:
        raise errors.missing_access()
    return state, app, guild


async def get_guild(request: web.Request) -> web.Response:
    _, _, guild = _guild_for_bot(request)
    data = guild.base_payload()
    data["approximate_member_count"] = len(guild.members)
    return json_response(data)


async def guild_channels(request: web.Request) -> web.Response:
    state, _, guild = _guild_for_bot(request)
    return json_response([state.channels[c].payload() for c in guild.channel_ids])


async def guild_roles(request: web.Request) -> web.Response:
    _, _, guild = _guild_for_bot(request)
    roles = sorted(guild.roles.values(), key=lambda r: r.position)
    return json_response([r.payload() for r in roles])


async def guild_member(request: web.Request) -> web.Response:
    state, _, guild = _guild_for_bot(request)
    member = state.get_member(guild.id, snowflake(request, "user_id"))
    return json_response(member.payload(state.users[member.user_id]))


async def guild_members(request: web.Request) -> web.Response:
    state, app, guild = _guild_for_bot(request)
    if not app.enabled_intents & (1 << 1):
        # Listing members is gated on the GUILD_MEMBERS privileged intent.
        raise errors.missing_access()
    limit = int(request.query.get("limit", "1"))
    after = int(request.query.get("after", "0"))
    members = sorted(
        (m for m in guild.members.values() if m.user_id > after), key=lambda m: m.user_id
    )
    return json_response([m.payload(state.users[m.user_id]) for m in members[:limit]])


async def member_role(request: web.Request) -> web.Response:
    state, app, guild = _guild_for_bot(request)
    state.set_member_role(
        guild.id,
        snowflake(request, "user_id"),
        snowflake(request, "role_id"),
        add=request.method == "PUT",
        actor_id=app.bot_user_id,
    )
    return no_content()


async def edit_member(request: web.Request) -> web.Response:
    """PATCH member: `roles` replaces the role list (what `Member.edit(roles=...)` sends)."""
    state, app, guild = _guild_for_bot(request)
    member = state.get_member(guild.id, snowflake(request, "user_id"))
    body, _files = await messages.read_body(request)
    if "roles" in body and body["roles"] is not None:
        wanted = {int(r) for r in body["roles"] if r is not None}
        current = set(member.roles)
        for role_id in current - wanted:
            state.set_member_role(guild.id, member.user_id, role_id, False, app.bot_user_id)
        for role_id in wanted - current:
            state.set_member_role(guild.id, member.user_id, role_id, True, app.bot_user_id)
    if "nick" in body:
        member.nick = body["nick"]
    return json_response(member.payload(state.users[member.user_id]))


def setup(app: web.Application) -> None:
    add_api(app, "GET", "/users/@me", users_me)
    add_api(app, "GET", "/users/{user_id}", get_user)
    add_api(app, "GET", "/oauth2/applications/@me", application_me)
    add_api(app, "GET", "/applications/@me", application_me)
    add_api(app, "GET", "/gateway/bot", gateway_bot)
    add_api(app, "GET", "/gateway", gateway)
    for path in (
        "/applications/{application_id}/commands",
        "/applications/{application_id}/guilds/{guild_id}/commands",
    ):
        add_api(app, "PUT", path, put_commands)
        add_api(app, "GET", path, get_commands)
        add_api(app, "POST", path, post_command)
    add_api(app, "GET", "/guilds/{guild_id}", get_guild)
    add_api(app, "GET", "/guilds/{guild_id}/channels", guild_channels)
    add_api(app, "GET", "/guilds/{guild_id}/roles", guild_roles)
    add_api(app, "GET", "/guilds/{guild_id}/members", guild_members)
    add_api(app, "GET", "/guilds/{guild_id}/members/{user_id}", guild_member)
    add_api(app, "PATCH", "/guilds/{guild_id}/members/{user_id}", edit_member)
    add_api(app, "PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", member_role)
    add_api(app, "DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", member_role)
