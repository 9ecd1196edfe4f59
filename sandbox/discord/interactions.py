"""Building INTERACTION_CREATE payloads for simulated users (slash, components, modals)."""

from __future__ import annotations

import secrets
from typing import Any

from sandbox.discord import errors
from sandbox.discord.models import DM, Application, Channel, Interaction
from sandbox.discord.state import SandboxState

APPLICATION_COMMAND, MESSAGE_COMPONENT, MODAL_SUBMIT = 2, 3, 5
USER_OPTION, CHANNEL_OPTION, ROLE_OPTION = 6, 7, 8
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


def find_command(app: Application, guild_id: int | None, name: str) -> dict[str, Any]:
    scopes = ([guild_id] if guild_id is not None else []) + [None]
    for scope in scopes:
        for command in app.commands.get(scope, []):
            if command["name"] == name and command.get("type", 1) == 1:
                return command
    raise errors.ApiError(404, 10063, f"Unknown application command: {name}")


def _base(
    state: SandboxState,
    app: Application,
    itype: int,
    channel: Channel,
    user_id: int,
    data: dict[str, Any],
) -> Interaction:
    iid = state.ids.next()
    # Real tokens are long opaque strings; ours are random but never reused.
    token = f"aW50ZXJhY3Rpb24.{iid}.{secrets.token_urlsafe(24)}"
    payload: dict[str, Any] = {
        "id": str(iid),
        "application_id": str(app.id),
        "type": itype,
        "token": token,
        "version": 1,
        "data": data,
        "channel_id": str(channel.id),
        "channel": channel.payload(state.users),
        "locale": "pt-BR",
        "entitlements": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    if channel.type == DM:
        payload.update(
            {
                "user": state.users[user_id].payload(),
                "context": 1,
                "authorizing_integration_owners": {"0": str(user_id)},
                "app_permissions": str((1 << 50) - 1),
            }
        )
        guild_id = None
    else:
        guild = state.get_guild(channel.guild_id or 0)
        member = state.get_member(guild.id, user_id)
        perms = state.member_permissions(guild, user_id)
        payload.update(
            {
                "guild_id": str(guild.id),
                "guild": {"id": str(guild.id), "locale": "pt-BR", "features": []},
                "guild_locale": "pt-BR",
                "member": member.payload(state.users[user_id]) | {"permissions": str(perms)},
                "app_permissions": str(state.member_permissions(guild, app.bot_user_id)),
                "authorizing_integration_owners": {"0": str(guild.id)},
                "context": 0,
            }
        )
        guild_id = guild.id
    interaction = Interaction(iid, token, app.id, itype, channel.id, user_id, guild_id, payload)
    state.interactions[iid] = interaction
    return interaction


def _dispatch(state: SandboxState, interaction: Interaction) -> Interaction:
    state.dispatch_app(interaction.application_id, "INTERACTION_CREATE", interaction.payload)
    return interaction


def _option(
    state: SandboxState,
    spec: dict[str, Any],
    name: str,
    value: Any,
    resolved: dict[str, dict[str, Any]],
    guild_id: int | None,
) -> dict[str, Any]:
    otype = int(spec.get("type", 3))
    if otype == USER_OPTION:
        user = state.get_user(int(value))
        resolved.setdefault("users", {})[str(user.id)] = user.payload()
        if guild_id is not None and user.id in state.guilds[guild_id].members:
            member = state.guilds[guild_id].members[user.id].payload(user)
            member.pop("user")
            resolved.setdefault("members", {})[str(user.id)] = member
    elif otype == ROLE_OPTION:
        role = state.guilds[guild_id or 0].roles[int(value)]
        resolved.setdefault("roles", {})[str(role.id)] = role.payload()
    elif otype == CHANNEL_OPTION:
        channel = state.get_channel(int(value))
        resolved.setdefault("channels", {})[str(channel.id)] = channel.payload() | {
            "permissions": str((1 << 50) - 1)
        }
    return {"name": name, "type": otype, "value": str(value) if otype in (6, 7, 8) else value}


def run_command(
    state: SandboxState,
    app: Application,
    channel: Channel,
    user_id: int,
    name: str,
    options: dict[str, Any] | None = None,
) -> Interaction:
    command = find_command(app, channel.guild_id, name)
    specs = {o["name"]: o for o in command.get("options") or []}
    resolved: dict[str, dict[str, Any]] = {}
    opts = []
    for key, value in (options or {}).items():
        if key not in specs:
            raise errors.invalid_form({"options": errors.field_error("UNKNOWN_OPTION", key)})
        opts.append(_option(state, specs[key], key, value, resolved, channel.guild_id))
    data: dict[str, Any] = {"id": command["id"], "name": name, "type": 1, "options": opts}
    if resolved:
        data["resolved"] = resolved
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    return _dispatch(state, _base(state, app, APPLICATION_COMMAND, channel, user_id, data))


def _find_component(components: list[dict[str, Any]], custom_id: str) -> dict[str, Any] | None:
    for component in components:
        if component.get("custom_id") == custom_id:
            return component
        children = list(component.get("components") or [])
        for key in ("accessory", "component"):
            if isinstance(component.get(key), dict):
                children.append(component[key])
        found = _find_component(children, custom_id)
        if found is not None:
            return found
    return None


def click(
    state: SandboxState,
    channel: Channel,
    message_id: int,
    user_id: int,
    custom_id: str,
    values: list[str] | None = None,
) -> Interaction:
    """A user presses a button (values=None) or picks select options on a bot message."""
    message = channel.messages.get(message_id)
    if message is None:
        raise errors.unknown_message()
    component = _find_component(message.get("components") or [], custom_id)
    if component is None:
        raise errors.ApiError(400, 50035, f"Unknown component custom_id {custom_id}")
    if component.get("disabled"):
        raise errors.ApiError(400, 50035, f"Component {custom_id} is disabled")
    app_id = int(message.get("application_id") or message["author"]["id"])
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
    if values is not None:
        data["values"] = values
    interaction = _base(state, state.get_app(app_id), MESSAGE_COMPONENT, channel, user_id, data)
    interaction.payload["message"] = message
    interaction.message_id = message_id
    return _dispatch(state, interaction)


def _submitted(components: list[dict[str, Any]], values: dict[str, Any]) -> list[dict[str, Any]]:
    """Mirror the modal's layout (action rows or labels) filled with the user's values."""
    result = []
    for component in components:
        if component.get("type") == 1:
            result.append({"type": 1, "components": _submitted(component["components"], values)})
        elif component.get("type") == 18:
            inner = _submitted([component["component"]], values)[0]
            result.append({"type": 18, "component": inner})
        else:
            cid = component.get("custom_id")
            entry: dict[str, Any] = {"type": component.get("type"), "custom_id": cid}
            value = values.get(cid, component.get("value", ""))
            entry["values" if isinstance(value, list) else "value"] = value
            result.append(entry)
    return result


def submit_modal(state: SandboxState, opener: Interaction, values: dict[str, Any]) -> Interaction:
    response = opener.response or {}
    if response.get("type") != 9:
        raise errors.ApiError(400, 50035, "That interaction did not open a modal")
    modal = response["data"]
    data = {
        "custom_id": modal["custom_id"],
        "components": _submitted(modal.get("components") or [], values),
    }
    channel = state.get_channel(opener.channel_id)
    app = state.get_app(opener.application_id)
    interaction = _base(state, app, MODAL_SUBMIT, channel, opener.user_id, data)
    interaction.opener_id = opener.id
    if opener.message_id is not None:
        interaction.payload["message"] = channel.messages.get(opener.message_id)
        interaction.message_id = opener.message_id
    return _dispatch(state, interaction)


def summary(state: SandboxState, interaction: Interaction) -> dict[str, Any]:
    channel = state.channels[interaction.channel_id]
    original = (
        channel.messages.get(interaction.response_message_id)
        if interaction.response_message_id
        else None
    )
    return {
        "id": str(interaction.id),
        "token": interaction.token,
        "type": interaction.type,
        "channel_id": str(interaction.channel_id),
        "user_id": str(interaction.user_id),
        "response": interaction.response,
        "message": original,
        "followups": [
            channel.messages[m] for m in interaction.followup_ids if m in channel.messages
        ],
    }
