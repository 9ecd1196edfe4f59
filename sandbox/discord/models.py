"""In-memory entities and their Discord wire representations (API v10 field names)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sandbox.discord.snowflakes import iso_timestamp

# Channel types used by the emulator.
GUILD_TEXT = 0
DM = 1
GUILD_CATEGORY = 4
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12

# Permission bits we reason about.
ADMINISTRATOR = 1 << 3
MANAGE_ROLES = 1 << 28
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
CREATE_PRIVATE_THREADS = 1 << 36
DEFAULT_EVERYONE_PERMS = (1 << 10) | (1 << 11) | (1 << 16) | (1 << 31) | (1 << 38)

# Gateway intents.
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

# Application flags announcing which privileged intents the app may use (the "limited" bits
# are what Discord sets for unverified bots toggling the switches in the dev portal).
APP_FLAG_BY_INTENT = {
    INTENT_GUILD_PRESENCES: 1 << 13,
    INTENT_GUILD_MEMBERS: 1 << 15,
    INTENT_MESSAGE_CONTENT: 1 << 19,
}


@dataclass
class User:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    email: str | None = None
    verified: bool = True
    avatar: str | None = None
    dms_open: bool = True

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": self.avatar,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "primary_guild": None,
        }
        if self.bot:
            data["bot"] = True
        return data

    def me_payload(self, with_email: bool = True) -> dict[str, Any]:
        data = self.payload()
        data.update({"mfa_enabled": False, "locale": "en-US", "verified": self.verified})
        if with_email:
            data["email"] = self.email
        return data


@dataclass
class Application:
    id: int
    name: str
    token: str
    bot_user_id: int
    owner_id: int
    enabled_intents: int = 0  # privileged intents switched on "in the developer portal"
    client_secret: str = ""
    redirect_uris: list[str] = field(default_factory=list)
    # None -> global commands; guild id -> that guild's commands.
    commands: dict[int | None, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def flags(self) -> int:
        flags = 0
        for intent, flag in APP_FLAG_BY_INTENT.items():
            if self.enabled_intents & intent:
                flags |= flag
        return flags


@dataclass
class Role:
    id: int
    guild_id: int
    name: str
    position: int = 0
    permissions: int = 0
    color: int = 0
    hoist: bool = False
    managed: bool = False
    mentionable: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {
                "primary_color": self.color,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }


@dataclass
class Attachment:
    id: int
    channel_id: int
    filename: str
    content_type: str
    data: bytes

    def payload(self, base_url: str) -> dict[str, Any]:
        url = f"{base_url}/attachments/{self.channel_id}/{self.id}/{self.filename}"
        return {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": url,
            "proxy_url": url,
            "content_type": self.content_type,
        }


@dataclass
class Channel:
    id: int
    type: int
    name: str = ""
    guild_id: int | None = None
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    recipient_ids: list[int] = field(default_factory=list)
    owner_id: int | None = None
    invitable: bool = True
    thread_member_ids: set[int] = field(default_factory=set)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    last_message_id: int | None = None

    @property
    def is_thread(self) -> bool:
        return self.type in (PUBLIC_THREAD, PRIVATE_THREAD)

    def payload(self, users: dict[int, User] | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "last_message_id": str(self.last_message_id) if self.last_message_id else None,
            "flags": 0,
        }
        if self.type == DM:
            data["recipients"] = [users[u].payload() for u in self.recipient_ids if users]
            return data
        data.update(
            {
                "guild_id": str(self.guild_id),
                "name": self.name,
                "position": self.position,
                "parent_id": str(self.parent_id) if self.parent_id else None,
                "permission_overwrites": [],
                "nsfw": False,
                "rate_limit_per_user": 0,
            }
        )
        if self.type == GUILD_TEXT:
            data["topic"] = self.topic
        if self.is_thread:
            data.update(self._thread_fields())
        return data

    def _thread_fields(self) -> dict[str, Any]:
        return {
            "owner_id": str(self.owner_id) if self.owner_id else None,
            "member_count": len(self.thread_member_ids),
            "message_count": len(self.messages),
            "total_message_sent": len(self.messages),
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": iso_timestamp(self.id),
                "locked": False,
                "invitable": self.invitable,
                "create_timestamp": iso_timestamp(self.id),
            },
        }


@dataclass
class Member:
    user_id: int
    guild_id: int
    joined_id: int  # a snowflake taken at join time, gives a deterministic joined_at
    roles: list[int] = field(default_factory=list)
    nick: str | None = None

    def payload(self, user: User) -> dict[str, Any]:
        return {
            "user": user.payload(),
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "roles": [str(r) for r in self.roles],
            "joined_at": iso_timestamp(self.joined_id),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)
    members: dict[int, Member] = field(default_factory=dict)

    @property
    def everyone_role(self) -> Role:
        return self.roles[self.id]  # Discord: the @everyone role id equals the guild id

    def base_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in sorted(self.roles.values(), key=lambda r: r.position)],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "max_members": 500000,
            "application_id": None,
            "region": "deprecated",  # what Discord sends for the retired voice region
            "home_header": None,
            "widget_enabled": False,
            "widget_channel_id": None,
            "max_presences": None,
            "max_stage_video_channel_users": 50,
            "max_video_channel_users": 25,
            "safety_alerts_channel_id": None,
            "nsfw": False,
            "incidents_data": None,
        }


@dataclass
class Interaction:
    id: int
    token: str
    application_id: int
    type: int
    channel_id: int
    user_id: int
    guild_id: int | None
    payload: dict[str, Any]
    message_id: int | None = None  # the message a component lives on
    response: dict[str, Any] | None = None  # {"type": n, "data": {...}}
    response_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    opener_id: int | None = None  # a modal submit: the interaction that opened the modal
    responded: asyncio.Event = field(default_factory=asyncio.Event)
