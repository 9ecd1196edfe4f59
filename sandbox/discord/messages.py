"""Message bodies: JSON or multipart (payload_json + files[n]), validation, stored payloads."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sandbox.discord import errors
from sandbox.discord.models import Attachment, Channel
from sandbox.discord.snowflakes import iso_timestamp
from sandbox.discord.state import SandboxState

EPHEMERAL = 1 << 6
MAX_CONTENT = 2000
MAX_EMBEDS = 10


@dataclass
class FilePart:
    index: int
    filename: str
    content_type: str
    data: bytes


BODY_KEY = web.RequestKey("sandbox_discord_body", tuple)  # the (body, files) already parsed


def _invalid_json() -> errors.ApiError:
    return errors.ApiError(400, 50109, "The request body contains invalid JSON.")


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)  # NaN, Infinity: not JSON


def parse_json(raw: bytes) -> Any:
    """Strict JSON (UTF-8, no NaN/Infinity); anything else is Discord's 50109."""
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError
        raise _invalid_json() from exc


async def read_body(request: web.Request) -> tuple[Any, list[FilePart]]:
    """Parse what discord.py sends: JSON, or multipart with payload_json and files[n].

    The body is whatever JSON value was sent (the spec guard checks its shape); an empty body
    reads as {}.
    """
    if BODY_KEY in request:
        return request[BODY_KEY]
    if request.content_type.startswith("multipart/"):
        parsed = await _read_multipart(request)
    elif not request.can_read_body:
        parsed = ({}, [])
    else:
        raw = await request.read()
        parsed = (parse_json(raw) if raw.strip() else {}, [])
    request[BODY_KEY] = parsed
    return parsed


async def _read_multipart(request: web.Request) -> tuple[Any, list[FilePart]]:
    body: Any = {}
    files: list[FilePart] = []
    try:
        reader = await request.multipart()
        async for part in reader:
            name = part.name or ""
            data = await part.read()  # type: ignore[union-attr]
            if name == "payload_json":
                body = parse_json(bytes(data))
            elif name.startswith("files[") and name.endswith("]") and name[6:-1].isdigit():
                ctype = part.headers.get("Content-Type", "application/octet-stream")
                files.append(
                    FilePart(int(name[6:-1]), part.filename or "file", ctype, bytes(data))
                )
    except (ValueError, AssertionError) as exc:  # a malformed multipart body
        raise errors.ApiError(400, 50109, "The request body contains invalid JSON.") from exc
    return body, files


def validate(body: dict[str, Any], files: list[FilePart], partial: bool = False) -> None:
    """Reproduce Discord's 400s: 50006 for empty messages, 50035 for bad fields."""
    content = body.get("content") or ""
    problems: dict[str, Any] = {}
    if len(content) > MAX_CONTENT:
        problems["content"] = errors.field_error(
            "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_CONTENT} or fewer in length."
        )
    embeds = body.get("embeds") or []
    if len(embeds) > MAX_EMBEDS:
        problems["embeds"] = errors.field_error(
            "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_EMBEDS} or fewer in length."
        )
    for i, embed in enumerate(embeds):
        if len(str(embed.get("title") or "")) > 256:
            problems.setdefault("embeds", {})[str(i)] = {
                "title": errors.field_error(
                    "BASE_TYPE_MAX_LENGTH", "Must be 256 or fewer in length."
                )
            }
    if problems:
        raise errors.invalid_form(problems)
    has_body = content or embeds or body.get("components") or files or body.get("sticker_ids")
    if not partial and not has_body and not body.get("poll"):
        raise errors.ApiError(400, 50006, "Cannot send an empty message")


def store_files(
    state: SandboxState, channel_id: int, body: dict[str, Any], files: list[FilePart], base_url: str
) -> list[dict[str, Any]]:
    """Keep uploaded bytes and return attachment payloads served from this emulator."""
    declared = {int(a["id"]): a for a in body.get("attachments") or [] if _is_int(a.get("id"))}
    result = []
    for part in files:
        meta = declared.get(part.index, {})
        att = Attachment(
            state.ids.next(),
            channel_id,
            meta.get("filename") or part.filename,
            part.content_type,
            part.data,
        )
        state.attachments[att.id] = att
        payload = att.payload(base_url)
        if meta.get("description"):
            payload["description"] = meta["description"]
        result.append(payload)
    return result


def _is_int(value: Any) -> bool:
    try:
        int(value)
    except (TypeError, ValueError):
        return False
    return True


def resolve_attachment_urls(
    embeds: list[dict[str, Any]], attachments: list[dict[str, Any]]
) -> None:
    """Discord rewrites attachment://name references in embeds to the uploaded file's URL."""
    by_name = {a["filename"]: a["url"] for a in attachments}
    for embed in embeds:
        for key in ("image", "thumbnail", "author", "footer"):
            item = embed.get(key)
            if not isinstance(item, dict):
                continue
            url_key = "url" if key in ("image", "thumbnail") else "icon_url"
            ref = str(item.get(url_key) or "")
            if ref.startswith("attachment://") and ref[13:] in by_name:
                item[url_key] = by_name[ref[13:]]
                item["proxy_url"] = by_name[ref[13:]]


def _children(component: dict[str, Any]) -> list[dict[str, Any]]:
    kids = [c for c in component.get("components") or [] if isinstance(c, dict)]
    kids += [component[k] for k in ("accessory", "component") if isinstance(component.get(k), dict)]
    return kids


def _walk(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for component in components:
        found.append(component)
        found.extend(_walk(_children(component)))
    return found


def _without_nulls(value: Any) -> Any:
    """A copy without null fields, as Discord stores components (an emoji's id, a url...)."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def number_components(components: Any) -> list[dict[str, Any]]:
    """Discord gives every component without an `id` the next free number, depth first from 1."""
    result = _without_nulls([c for c in components or [] if isinstance(c, dict)])
    flat = _walk(result)
    used = {c["id"] for c in flat if isinstance(c.get("id"), int)}
    next_id = 1
    for component in flat:
        if isinstance(component.get("id"), int):
            continue
        while next_id in used:
            next_id += 1
        component["id"] = next_id
        used.add(next_id)
    return result


def new_message(
    state: SandboxState,
    channel: Channel,
    author_id: int,
    body: dict[str, Any],
    attachments: list[dict[str, Any]],
    **extra: Any,
) -> dict[str, Any]:
    mid = state.ids.next()
    embeds = [dict(e, type=e.get("type", "rich")) for e in body.get("embeds") or []]
    resolve_attachment_urls(embeds, attachments)
    message: dict[str, Any] = {
        "id": str(mid),
        "channel_id": str(channel.id),
        "author": state.users[author_id].payload(),
        "content": body.get("content") or "",
        "timestamp": iso_timestamp(mid),
        "edited_timestamp": None,
        "tts": bool(body.get("tts")),
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": attachments,
        "embeds": embeds,
        "components": number_components(body.get("components")),
        "pinned": False,
        "type": 0,
        "flags": int(body.get("flags") or 0),
    }
    if channel.guild_id is not None:
        message["guild_id"] = str(channel.guild_id)
    if body.get("nonce") is not None:
        message["nonce"] = body["nonce"]
    if body.get("message_reference"):
        message["message_reference"] = body["message_reference"]
        message["type"] = 19
    message.update(extra)
    return message


# Discord: "If true and nonce is present, it will be checked for uniqueness in the past few
# minutes. If another message was created by the same author with the same nonce, that message
# will be returned and no new message will be created."
NONCE_WINDOW_SECONDS = 300


def _nonce_key(author_id: int, body: dict[str, Any]) -> tuple[int, str] | None:
    nonce = body.get("nonce")
    if not body.get("enforce_nonce") or nonce is None or nonce == "":
        return None
    return author_id, str(nonce)


def same_nonce(state: SandboxState, author_id: int, body: dict[str, Any]) -> dict | None:
    key = _nonce_key(author_id, body)
    seen = state.nonces.get(key) if key else None
    if seen is None or time.monotonic() - seen[0] > NONCE_WINDOW_SECONDS:
        return None
    return seen[1]


def remember_nonce(state: SandboxState, author_id: int, body: dict[str, Any],
                   message: dict[str, Any]) -> None:
    key = _nonce_key(author_id, body)
    if key:
        state.nonces[key] = (time.monotonic(), message)


def post_message(state: SandboxState, channel: Channel, message: dict[str, Any]) -> None:
    """Store and dispatch MESSAGE_CREATE (ephemeral messages are never dispatched)."""
    mid = int(message["id"])
    channel.messages[mid] = message
    channel.last_message_id = mid
    if not int(message.get("flags") or 0) & EPHEMERAL:
        state.dispatch_message(channel, "MESSAGE_CREATE", _with_member(state, channel, message))


def _with_member(state: SandboxState, channel: Channel, message: dict[str, Any]) -> dict[str, Any]:
    if channel.guild_id is None:
        return message
    member = state.guilds[channel.guild_id].members.get(int(message["author"]["id"]))
    if member is None:
        return message
    partial = member.payload(state.users[member.user_id])
    partial.pop("user")
    return message | {"member": partial}


def edit_message(
    state: SandboxState,
    channel: Channel,
    message: dict[str, Any],
    body: dict[str, Any],
    new_attachments: list[dict[str, Any]],
) -> dict[str, Any]:
    for key in ("content", "flags"):
        if key in body and body[key] is not None:
            message[key] = body[key]
    if body.get("components") is not None:
        message["components"] = number_components(body["components"])
    if "attachments" in body:
        keep = {str(a.get("id")) for a in body.get("attachments") or []}
        message["attachments"] = [a for a in message["attachments"] if a["id"] in keep]
    message["attachments"] = message["attachments"] + new_attachments
    if "embeds" in body and body["embeds"] is not None:
        embeds = [dict(e, type=e.get("type", "rich")) for e in body["embeds"]]
        resolve_attachment_urls(embeds, message["attachments"])
        message["embeds"] = embeds
    message["edited_timestamp"] = iso_timestamp(state.ids.next())
    if not int(message.get("flags") or 0) & EPHEMERAL:
        state.dispatch_message(channel, "MESSAGE_UPDATE", message)
    return message


def delete_message(state: SandboxState, channel: Channel, message_id: int) -> None:
    if channel.messages.pop(message_id, None) is None:
        raise errors.unknown_message()
    data: dict[str, Any] = {"id": str(message_id), "channel_id": str(channel.id)}
    if channel.guild_id is not None:
        data["guild_id"] = str(channel.guild_id)
    state.dispatch_message(channel, "MESSAGE_DELETE", data)


def get_message(channel: Channel, message_id: int) -> dict[str, Any]:
    message = channel.messages.get(message_id)
    if message is None:
        raise errors.unknown_message()
    return message
