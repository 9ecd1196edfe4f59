"""REST: channel messages, DM channels, private threads and served attachments."""

from __future__ import annotations

from aiohttp import web

from sandbox.discord import errors, messages
from sandbox.discord.errors import json_response, no_content
from sandbox.discord.models import (
    ADMINISTRATOR,
    CREATE_PRIVATE_THREADS,
    CREATE_PUBLIC_THREADS,
    DM,
    GUILD_TEXT,
    MANAGE_THREADS,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    Application,
    Channel,
)
from sandbox.discord.routing import add_api, base_url, bot_app, snowflake, state_of
from sandbox.discord.state import SandboxState

THREAD_TYPES = (PUBLIC_THREAD, PRIVATE_THREAD)
THREAD_CREATE_PERMISSION = {PUBLIC_THREAD: CREATE_PUBLIC_THREADS,
                            PRIVATE_THREAD: CREATE_PRIVATE_THREADS}


def _channel_for_bot(request: web.Request) -> tuple[SandboxState, Application, Channel]:
    app = bot_app(request)
    state = state_of(request)
    channel = state.get_channel(snowflake(request, "channel_id"))
    if channel.type == DM:
        if app.bot_user_id not in channel.recipient_ids:
            raise errors.missing_access()
    elif app.bot_user_id not in state.get_guild(channel.guild_id or 0).members:
        raise errors.missing_access()
    return state, app, channel


def check_dm_allowed(state: SandboxState, channel: Channel, sender_id: int) -> None:
    """50007 when the other side closed DMs or shares no guild with the bot, as on Discord."""
    if channel.type != DM:
        return
    other = next((u for u in channel.recipient_ids if u != sender_id), sender_id)
    user = state.users[other]
    shares_guild = any(sender_id in g.members and other in g.members for g in state.guilds.values())
    if not user.dms_open or user.bot or not shares_guild:
        raise errors.cannot_dm()


async def get_channel(request: web.Request) -> web.Response:
    state, _, channel = _channel_for_bot(request)
    return json_response(channel.payload(state.users))


async def create_message(request: web.Request) -> web.Response:
    state, app, channel = _channel_for_bot(request)
    body, files = await messages.read_body(request)
    messages.validate(body, files)
    check_dm_allowed(state, channel, app.bot_user_id)
    earlier = messages.same_nonce(state, app.bot_user_id, body)
    if earlier is not None:
        return json_response(earlier)
    attachments = messages.store_files(state, channel.id, body, files, base_url(request))
    message = messages.new_message(state, channel, app.bot_user_id, body, attachments)
    messages.post_message(state, channel, message)
    messages.remember_nonce(state, app.bot_user_id, body, message)
    return json_response(message)


async def list_messages(request: web.Request) -> web.Response:
    _, _, channel = _channel_for_bot(request)
    limit = min(int(request.query.get("limit", "50")), 100)
    ordered = sorted(channel.messages.values(), key=lambda m: int(m["id"]), reverse=True)
    if "before" in request.query:
        ordered = [m for m in ordered if int(m["id"]) < int(request.query["before"])]
    if "after" in request.query:
        ordered = [m for m in ordered if int(m["id"]) > int(request.query["after"])]
    return json_response(ordered[:limit])


async def get_message(request: web.Request) -> web.Response:
    _, _, channel = _channel_for_bot(request)
    return json_response(messages.get_message(channel, snowflake(request, "message_id")))


async def edit_message(request: web.Request) -> web.Response:
    state, app, channel = _channel_for_bot(request)
    message = messages.get_message(channel, snowflake(request, "message_id"))
    if message["author"]["id"] != str(app.bot_user_id):
        raise errors.ApiError(403, 50005, "Cannot edit a message authored by another user")
    body, files = await messages.read_body(request)
    messages.validate(body, files, partial=True)
    new = messages.store_files(state, channel.id, body, files, base_url(request))
    return json_response(messages.edit_message(state, channel, message, body, new))


async def delete_message(request: web.Request) -> web.Response:
    state, _, channel = _channel_for_bot(request)
    messages.delete_message(state, channel, snowflake(request, "message_id"))
    return no_content()


async def create_dm(request: web.Request) -> web.Response:
    app = bot_app(request)
    state = state_of(request)
    body, _files = await messages.read_body(request)
    if body.get("recipient_id") is None:
        raise errors.invalid_form(errors.required("recipient_id"))
    recipient = state.get_user(int(body["recipient_id"]))
    channel = state.dm_channel(app.bot_user_id, recipient.id)
    data = channel.payload(state.users)
    # The bot sees only the other recipient, like Discord's response.
    data["recipients"] = [recipient.payload()]
    return json_response(data)


async def create_thread(request: web.Request) -> web.Response:
    state, app, channel = _channel_for_bot(request)
    if channel.type != GUILD_TEXT:
        raise errors.ApiError(400, 50024, "Cannot execute action on this channel type")
    body, _files = await messages.read_body(request)
    if not body.get("name"):
        raise errors.invalid_form(errors.required("name"))
    type_ = int(body.get("type") or PRIVATE_THREAD)
    # Discord: Create Private Threads for type 12, Create Public Threads for type 11
    # (guild-level role permissions only; overwrites are not emulated).
    _require(state, channel, app, THREAD_CREATE_PERMISSION.get(type_, CREATE_PRIVATE_THREADS))
    thread = state.create_channel(channel.guild_id, str(body["name"]), type_, parent_id=channel.id)
    thread.owner_id = app.bot_user_id
    thread.invitable = bool(body.get("invitable", True))
    thread.thread_member_ids.add(app.bot_user_id)
    data = thread.payload()
    state.dispatch_guild(channel.guild_id or 0, "THREAD_CREATE", data | {"newly_created": True})
    return json_response(data, status=201)


async def thread_member(request: web.Request) -> web.Response:
    state, _, thread = _channel_for_bot(request)
    if thread.type not in THREAD_TYPES:
        raise errors.ApiError(400, 50024, "Cannot execute action on this channel type")
    user_id = snowflake(request, "user_id")
    state.get_member(thread.guild_id or 0, user_id)  # 10007 if not in the guild
    added = request.method == "PUT"
    if added:
        thread.thread_member_ids.add(user_id)
    else:
        thread.thread_member_ids.discard(user_id)
    state.dispatch_guild(
        thread.guild_id or 0,
        "THREAD_MEMBERS_UPDATE",
        _members_update(thread, user_id, added),
        1 << 1,
    )
    return no_content()


def _require(state: SandboxState, channel: Channel, app: Application, permission: int) -> None:
    guild = state.get_guild(channel.guild_id or 0)
    if not state.member_permissions(guild, app.bot_user_id) & (permission | ADMINISTRATOR):
        raise errors.missing_permissions()


async def delete_channel(request: web.Request) -> web.Response:
    """Only threads can be deleted here (Manage Threads); answers the deleted channel."""
    state, app, thread = _channel_for_bot(request)
    if not thread.is_thread:
        raise errors.ApiError(400, 50024, "Cannot execute action on this channel type")
    _require(state, thread, app, MANAGE_THREADS)
    data = thread.payload()
    del state.channels[thread.id]
    state.dispatch_guild(
        thread.guild_id or 0,
        "THREAD_DELETE",
        {k: data[k] for k in ("id", "guild_id", "parent_id", "type")},
    )
    return json_response(data)


def _members_update(thread: Channel, user_id: int, added: bool) -> dict[str, object]:
    data: dict[str, object] = {
        "id": str(thread.id),
        "guild_id": str(thread.guild_id),
        "member_count": len(thread.thread_member_ids),
    }
    if added:
        data["added_members"] = [
            {
                "id": str(thread.id),
                "user_id": str(user_id),
                "join_timestamp": "2024-01-01T00:00:00+00:00",
                "flags": 0,
            }
        ]
    else:
        data["removed_member_ids"] = [str(user_id)]
    return data


async def list_thread_members(request: web.Request) -> web.Response:
    _, _, thread = _channel_for_bot(request)
    return json_response(
        [
            {
                "id": str(thread.id),
                "user_id": str(u),
                "flags": 0,
                "join_timestamp": "2024-01-01T00:00:00+00:00",
            }
            for u in sorted(thread.thread_member_ids)
        ]
    )


async def serve_attachment(request: web.Request) -> web.Response:
    att = state_of(request).attachments.get(snowflake(request, "attachment_id"))
    if att is None or str(att.channel_id) != request.match_info["channel_id"]:
        raise web.HTTPNotFound()
    return web.Response(body=att.data, content_type=att.content_type.split(";")[0])


def setup(app: web.Application) -> None:
    add_api(app, "GET", "/channels/{channel_id}", get_channel)
    add_api(app, "POST", "/channels/{channel_id}/messages", create_message)
    add_api(app, "GET", "/channels/{channel_id}/messages", list_messages)
    add_api(app, "GET", "/channels/{channel_id}/messages/{message_id}", get_message)
    add_api(app, "PATCH", "/channels/{channel_id}/messages/{message_id}", edit_message)
    add_api(app, "DELETE", "/channels/{channel_id}/messages/{message_id}", delete_message)
    add_api(app, "DELETE", "/channels/{channel_id}", delete_channel)
    add_api(app, "POST", "/users/@me/channels", create_dm)
    add_api(app, "POST", "/channels/{channel_id}/threads", create_thread)
    add_api(app, "GET", "/channels/{channel_id}/thread-members", list_thread_members)
    add_api(app, "PUT", "/channels/{channel_id}/thread-members/{user_id}", thread_member)
    add_api(app, "DELETE", "/channels/{channel_id}/thread-members/{user_id}", thread_member)
    # CDN stand-in: attachment URLs point here.
    app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", serve_attachment)
