"""REST: interaction callbacks, followups and @original via the interaction webhook."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.discord import errors, messages
from sandbox.discord.errors import json_response, no_content
from sandbox.discord.models import Channel, Interaction
from sandbox.discord.routing import add_api, base_url, snowflake, state_of
from sandbox.discord.state import SandboxState

MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, AUTOCOMPLETE, MODAL = 4, 5, 6, 7, 8, 9
LOADING = 1 << 7  # flag Discord puts on the "Bot is thinking..." placeholder


def _interaction(state: SandboxState, iid: int, token: str) -> Interaction:
    interaction = state.interactions.get(iid)
    if interaction is None or interaction.token != token:
        raise errors.unknown_interaction()
    return interaction


def _metadata(state: SandboxState, interaction: Interaction) -> dict[str, Any]:
    """The message's `interaction_metadata`, per interaction type (2, 3 or 5)."""
    metadata: dict[str, Any] = {
        "id": str(interaction.id),
        "type": interaction.type,
        "user": state.users[interaction.user_id].payload(),
        "authorizing_integration_owners": interaction.payload.get(
            "authorizing_integration_owners", {}
        ),
    }
    if interaction.type == 2:
        metadata["name"] = (interaction.payload.get("data") or {}).get("name")
    if interaction.message_id is not None and interaction.type == 3:
        metadata["interacted_message_id"] = str(interaction.message_id)
    opener = state.interactions.get(interaction.opener_id or 0)
    if opener is not None:  # a modal submit names the interaction that opened the modal
        metadata["triggering_interaction_metadata"] = _metadata(state, opener)
    return metadata


def _response_message(
    state: SandboxState,
    interaction: Interaction,
    channel: Channel,
    body: dict[str, Any],
    attachments: list[dict[str, Any]],
) -> dict[str, Any]:
    metadata = _metadata(state, interaction)
    return messages.new_message(
        state,
        channel,
        interaction.application_id,
        body,
        attachments,
        type=20 if interaction.type == 2 else 0,
        webhook_id=str(interaction.application_id),
        application_id=str(interaction.application_id),
        interaction_metadata=metadata,
    )


async def callback(request: web.Request) -> web.Response:
    state = state_of(request)
    interaction = _interaction(
        state, snowflake(request, "interaction_id"), request.match_info["interaction_token"]
    )
    if interaction.response is not None:
        raise errors.already_acknowledged()
    body, files = await messages.read_body(request)
    rtype, data = int(body.get("type") or 0), body.get("data") or {}
    channel = state.get_channel(interaction.channel_id)
    message = _apply_callback(state, request, interaction, channel, rtype, data, files)
    interaction.response = {"type": rtype, "data": data}
    interaction.responded.set()
    if request.query.get("with_response") not in ("1", "true", "True"):
        return no_content()
    return json_response(_callback_body(interaction, rtype, message))


def _apply_callback(
    state: SandboxState,
    request: web.Request,
    interaction: Interaction,
    channel: Channel,
    rtype: int,
    data: dict[str, Any],
    files: list[messages.FilePart],
) -> dict[str, Any] | None:
    if rtype in (MESSAGE, DEFERRED_MESSAGE):
        if rtype == MESSAGE:
            messages.validate(data, files)
        else:
            data = {"flags": (int(data.get("flags") or 0) & messages.EPHEMERAL) | LOADING}
        attachments = messages.store_files(state, channel.id, data, files, base_url(request))
        message = _response_message(state, interaction, channel, data, attachments)
        messages.post_message(state, channel, message)
        interaction.response_message_id = int(message["id"])
        return message
    if rtype in (UPDATE, DEFERRED_UPDATE):
        if interaction.message_id is None:
            raise errors.ApiError(400, 40004, "Interaction is not for a message component")
        interaction.response_message_id = interaction.message_id
        if rtype == DEFERRED_UPDATE:
            return None
        target = messages.get_message(channel, interaction.message_id)
        new = messages.store_files(state, channel.id, data, files, base_url(request))
        return messages.edit_message(state, channel, target, data, new)
    if rtype == MODAL:
        if not data.get("custom_id") or not data.get("components"):
            raise errors.invalid_form({"data": errors.required("custom_id")})
        return None
    if rtype == AUTOCOMPLETE:
        return None
    raise errors.invalid_form(
        {"type": errors.field_error("BASE_TYPE_CHOICES", "Value must be one of {4, 5, 6, 7, 9}.")}
    )


def _callback_body(
    interaction: Interaction, rtype: int, message: dict[str, Any] | None
) -> dict[str, Any]:
    flags = int((message or {}).get("flags") or 0)
    info: dict[str, Any] = {
        "id": str(interaction.id),
        "type": interaction.type,
        "activity_instance_id": None,
        "response_message_loading": bool(flags & LOADING),
        "response_message_ephemeral": bool(flags & messages.EPHEMERAL),
    }
    if message is not None:  # absent (not null) when the callback made no message
        info["response_message_id"] = message["id"]
    body: dict[str, Any] = {"interaction": info}
    if message is not None and rtype in (MESSAGE, UPDATE):
        # Docs: the resource carries the message only for types 4 and 7 (5 is a placeholder).
        body["resource"] = {"type": rtype, "message": message}
    return body


def _webhook_interaction(request: web.Request) -> tuple[SandboxState, Interaction, Channel]:
    state = state_of(request)
    app_id = snowflake(request, "webhook_id")
    token = request.match_info["webhook_token"]
    interaction = next((i for i in state.interactions.values() if i.token == token), None)
    if interaction is None or interaction.application_id != app_id:
        raise errors.unknown_webhook()
    if interaction.response is None:
        # Followups and @original only exist once the interaction was acknowledged.
        raise errors.unknown_webhook()
    return state, interaction, state.get_channel(interaction.channel_id)


def _target_id(request: web.Request, interaction: Interaction) -> int:
    raw = request.match_info["message_id"]
    if raw == "@original":
        if interaction.response_message_id is None:
            raise errors.unknown_message()
        return interaction.response_message_id
    return snowflake(request, "message_id")


async def followup(request: web.Request) -> web.Response:
    state, interaction, channel = _webhook_interaction(request)
    body, files = await messages.read_body(request)
    messages.validate(body, files)
    attachments = messages.store_files(state, channel.id, body, files, base_url(request))
    original = channel.messages.get(interaction.response_message_id or 0)
    if original is not None and int(original.get("flags") or 0) & LOADING:
        # Discord: the first followup after a deferral replaces the "thinking" message.
        body = dict(body, flags=int(original["flags"]) & ~LOADING)
        message = messages.edit_message(state, channel, original, body, attachments)
    else:
        message = _response_message(state, interaction, channel, body, attachments)
        messages.post_message(state, channel, message)
        interaction.followup_ids.append(int(message["id"]))
    interaction.responded.set()
    if request.query.get("wait") not in ("1", "true", "True"):
        return no_content()
    return json_response(message)


async def webhook_message(request: web.Request) -> web.Response:
    state, interaction, channel = _webhook_interaction(request)
    target = messages.get_message(channel, _target_id(request, interaction))
    if request.method == "GET":
        return json_response(target)
    if request.method == "DELETE":
        messages.delete_message(state, channel, int(target["id"]))
        return no_content()
    body, files = await messages.read_body(request)
    messages.validate(body, files, partial=True)
    if int(target.get("flags") or 0) & LOADING:
        body = dict(body, flags=int(target["flags"]) & ~LOADING)
    new = messages.store_files(state, channel.id, body, files, base_url(request))
    edited = messages.edit_message(state, channel, target, body, new)
    interaction.responded.set()
    return json_response(edited)


def setup(app: web.Application) -> None:
    add_api(app, "POST", "/interactions/{interaction_id}/{interaction_token}/callback", callback)
    add_api(app, "POST", "/webhooks/{webhook_id}/{webhook_token}", followup)
    message_path = "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"
    for method in ("GET", "PATCH", "DELETE"):
        add_api(app, method, message_path, webhook_message)
