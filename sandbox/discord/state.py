"""All sandbox state, in memory: users, applications, guilds, channels, gateway sessions.

Everything runs on the emulator's single event loop, so no locking is needed.
"""

from __future__ import annotations

import base64
from collections import deque
from typing import Any

from sandbox.discord import errors
from sandbox.discord.models import (
    ADMINISTRATOR,
    DEFAULT_EVERYONE_PERMS,
    DM,
    GUILD_TEXT,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILDS,
    INTENT_MESSAGE_CONTENT,
    MANAGE_ROLES,
    Application,
    Attachment,
    Channel,
    Guild,
    Interaction,
    Member,
    Role,
    User,
)
from sandbox.discord.sessions import Session
from sandbox.discord.snowflakes import SnowflakeGenerator

DEFAULT_BOT_PERMS = (
    (1 << 28) | (1 << 11) | (1 << 10) | (1 << 35) | (1 << 36) | (1 << 38) | (1 << 34)
)


class SandboxState:
    def __init__(self, heartbeat_interval_ms: int = 41250) -> None:
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.reset()

    def reset(self) -> None:
        self.ids = SnowflakeGenerator()
        self.users: dict[int, User] = {}
        self.apps: dict[int, Application] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.attachments: dict[int, Attachment] = {}
        self.interactions: dict[int, Interaction] = {}
        self.sessions: dict[str, Session] = {}
        self.oauth_codes: dict[str, dict[str, Any]] = {}
        self.oauth_tokens: dict[str, dict[str, Any]] = {}
        # (author id, nonce) -> (monotonic time, message): enforce_nonce on message creation.
        self.nonces: dict[tuple[int, str], tuple[float, dict[str, Any]]] = {}
        self.dropped: list[str] = []  # session ids whose socket must be dropped (control API)
        self.counter = 0
        # The last API requests and answers, for contract tests (GET /_sandbox/exchanges).
        self.exchanges: deque[dict[str, Any]] = deque(maxlen=5000)

    def next_counter(self) -> int:
        self.counter += 1
        return self.counter

    # ---- users & applications -------------------------------------------------------------

    def create_user(
        self,
        username: str,
        global_name: str | None = None,
        email: str | None = None,
        bot: bool = False,
    ) -> User:
        uid = self.ids.next()
        email = email if email is not None or bot else f"{username}@sandbox.discord.test"
        user = User(uid, username, global_name or username, bot=bot, email=email)
        self.users[uid] = user
        return user

    def create_application(
        self,
        name: str,
        token: str | None = None,
        enabled_intents: int = 0,
        owner_id: int | None = None,
    ) -> Application:
        bot = self.create_user(name.lower().replace(" ", "-"), name, bot=True)
        # Discord: the application id and its bot user id are the same snowflake.
        self.users.pop(bot.id)
        app_id = bot.id
        self.users[app_id] = bot
        if owner_id is None:
            owner_id = self.create_user(f"{bot.username}-owner").id
        token = token or self._make_token(app_id)
        app = Application(
            app_id,
            name,
            token,
            app_id,
            owner_id,
            enabled_intents,
            client_secret=f"sandbox-secret-{app_id}",
        )
        self.apps[app_id] = app
        return app

    def _make_token(self, app_id: int) -> str:
        # Same shape as a real token (base64 id . timestamp . hmac); deterministic.
        head = base64.b64encode(str(app_id).encode()).decode().rstrip("=")
        return f"{head}.sandbox.token{self.next_counter()}"

    def app_by_token(self, token: str) -> Application | None:
        return next((a for a in self.apps.values() if a.token == token), None)

    def get_user(self, user_id: int) -> User:
        user = self.users.get(user_id)
        if user is None:
            raise errors.unknown_user()
        return user

    def get_app(self, app_id: int) -> Application:
        app = self.apps.get(app_id)
        if app is None:
            raise errors.ApiError(404, 10002, "Unknown Application")
        return app

    # ---- guilds, roles, channels, members -------------------------------------------------

    def create_guild(
        self,
        name: str,
        owner_id: int,
        app_ids: list[int] | None = None,
        bot_permissions: int = DEFAULT_BOT_PERMS,
    ) -> Guild:
        gid = self.ids.next()
        guild = Guild(gid, name, owner_id)
        guild.roles[gid] = Role(gid, gid, "@everyone", 0, DEFAULT_EVERYONE_PERMS)
        self.guilds[gid] = guild
        self.create_channel(gid, "general")
        self.add_member(gid, owner_id)
        for app_id in app_ids or []:
            self.add_bot(gid, app_id, bot_permissions)
        return guild

    def get_guild(self, guild_id: int) -> Guild:
        guild = self.guilds.get(guild_id)
        if guild is None:
            raise errors.unknown_guild()
        return guild

    def add_bot(self, guild_id: int, app_id: int, permissions: int = DEFAULT_BOT_PERMS) -> Role:
        guild, app = self.get_guild(guild_id), self.get_app(app_id)
        role = self.create_role(guild_id, app.name, permissions, position=None, managed=True)
        self.add_member(guild_id, app.bot_user_id, roles=[role.id])
        for session in self.sessions_for(app_id, INTENT_GUILDS):
            session.push("GUILD_CREATE", self.guild_create_payload(guild, session.intents))
        return role

    def create_role(
        self,
        guild_id: int,
        name: str,
        permissions: int = 0,
        position: int | None = 1,
        managed: bool = False,
        color: int = 0,
    ) -> Role:
        guild = self.get_guild(guild_id)
        top = max(r.position for r in guild.roles.values())
        if position is None:
            position = top + 1
        else:
            # Like Discord, inserting a role shifts the roles at/above its position up by one.
            for role in guild.roles.values():
                if role.position >= position and role.id != guild.id:
                    role.position += 1
        role = Role(self.ids.next(), guild_id, name, position, permissions, color, managed=managed)
        guild.roles[role.id] = role
        self.dispatch_guild(
            guild_id,
            "GUILD_ROLE_CREATE",
            {"guild_id": str(guild_id), "role": role.payload()},
            INTENT_GUILDS,
        )
        return role

    def create_channel(
        self,
        guild_id: int | None,
        name: str,
        type_: int = GUILD_TEXT,
        parent_id: int | None = None,
        topic: str | None = None,
    ) -> Channel:
        channel = Channel(self.ids.next(), type_, name, guild_id, parent_id=parent_id, topic=topic)
        self.channels[channel.id] = channel
        if guild_id is not None and not channel.is_thread:
            guild = self.get_guild(guild_id)
            channel.position = len(guild.channel_ids)
            guild.channel_ids.append(channel.id)
            self.dispatch_guild(guild_id, "CHANNEL_CREATE", channel.payload(), INTENT_GUILDS)
        return channel

    def get_channel(self, channel_id: int) -> Channel:
        channel = self.channels.get(channel_id)
        if channel is None:
            raise errors.unknown_channel()
        return channel

    def add_member(self, guild_id: int, user_id: int, roles: list[int] | None = None) -> Member:
        guild, user = self.get_guild(guild_id), self.get_user(user_id)
        member = Member(user_id, guild_id, self.ids.next(), list(roles or []))
        guild.members[user_id] = member
        data = member.payload(user) | {"guild_id": str(guild_id)}
        self.dispatch_guild(guild_id, "GUILD_MEMBER_ADD", data, INTENT_GUILD_MEMBERS)
        return member

    def remove_member(self, guild_id: int, user_id: int) -> None:
        guild = self.get_guild(guild_id)
        if guild.members.pop(user_id, None) is None:
            raise errors.unknown_member()
        data = {"guild_id": str(guild_id), "user": self.get_user(user_id).payload()}
        self.dispatch_guild(guild_id, "GUILD_MEMBER_REMOVE", data, INTENT_GUILD_MEMBERS)

    def get_member(self, guild_id: int, user_id: int) -> Member:
        member = self.get_guild(guild_id).members.get(user_id)
        if member is None:
            raise errors.unknown_member()
        return member

    def member_permissions(self, guild: Guild, user_id: int) -> int:
        member = guild.members.get(user_id)
        perms = guild.everyone_role.permissions
        for role_id in member.roles if member else []:
            perms |= guild.roles[role_id].permissions
        if user_id == guild.owner_id:
            perms |= ADMINISTRATOR
        return perms

    def top_position(self, guild: Guild, user_id: int) -> int:
        member = guild.members.get(user_id)
        return max([guild.roles[r].position for r in (member.roles if member else [])] + [0])

    def check_can_manage_role(self, guild: Guild, actor_id: int, role: Role) -> None:
        """Discord's rule: Manage Roles (or Administrator) and a higher top role than `role`."""
        if actor_id not in guild.members:
            raise errors.missing_access()
        perms = self.member_permissions(guild, actor_id)
        if not perms & (MANAGE_ROLES | ADMINISTRATOR):
            raise errors.missing_permissions()
        if actor_id != guild.owner_id and self.top_position(guild, actor_id) <= role.position:
            raise errors.missing_permissions()

    def set_member_role(
        self, guild_id: int, user_id: int, role_id: int, add: bool, actor_id: int | None = None
    ) -> Member:
        guild = self.get_guild(guild_id)
        role = guild.roles.get(role_id)
        if role is None:
            raise errors.unknown_role()
        member = self.get_member(guild_id, user_id)
        if actor_id is not None:
            self.check_can_manage_role(guild, actor_id, role)
        if add and role_id not in member.roles:
            member.roles.append(role_id)
        elif not add and role_id in member.roles:
            member.roles.remove(role_id)
        else:
            return member  # no change -> Discord sends no event
        data = member.payload(self.users[user_id]) | {"guild_id": str(guild_id)}
        self.dispatch_guild(guild_id, "GUILD_MEMBER_UPDATE", data, INTENT_GUILD_MEMBERS)
        return member

    def dm_channel(self, a: int, b: int) -> Channel:
        for channel in self.channels.values():
            if channel.type == DM and set(channel.recipient_ids) == {a, b}:
                return channel
        channel = Channel(self.ids.next(), DM, recipient_ids=[a, b])
        self.channels[channel.id] = channel
        return channel

    # ---- gateway dispatch -----------------------------------------------------------------

    def sessions_for(self, app_id: int, intent: int = 0) -> list[Session]:
        return [
            s
            for s in self.sessions.values()
            if s.app_id == app_id and not s.invalidated and (not intent or s.intents & intent)
        ]

    def apps_in_guild(self, guild_id: int) -> list[Application]:
        guild = self.guilds.get(guild_id)
        if guild is None:
            return []
        return [a for a in self.apps.values() if a.bot_user_id in guild.members]

    def dispatch_app(self, app_id: int, name: str, data: Any, intent: int = 0) -> None:
        for session in self.sessions_for(app_id, intent):
            session.push(name, data)

    def dispatch_guild(self, guild_id: int, name: str, data: Any, intent: int = 0) -> None:
        for app in self.apps_in_guild(guild_id):
            self.dispatch_app(app.id, name, data, intent)

    def dispatch_message(self, channel: Channel, name: str, message: dict[str, Any]) -> None:
        if channel.type == DM:
            apps = [self.apps[u] for u in channel.recipient_ids if u in self.apps]
            intent = INTENT_DIRECT_MESSAGES
        else:
            apps = self.apps_in_guild(channel.guild_id or 0)
            intent = INTENT_GUILD_MESSAGES
        for app in apps:
            for session in self.sessions_for(app.id, intent):
                session.push(name, self._visible_message(app, session, message))

    @staticmethod
    def _visible_message(app: Application, session: Session, message: dict[str, Any]) -> Any:
        # Without MESSAGE_CONTENT the bot sees empty content for others' guild messages.
        own = message.get("author", {}).get("id") == str(app.bot_user_id)
        if own or session.intents & INTENT_MESSAGE_CONTENT or "guild_id" not in message:
            return message
        return message | {"content": "", "embeds": [], "attachments": [], "components": []}

    def guild_create_payload(self, guild: Guild, intents: int) -> dict[str, Any]:
        data = guild.base_payload()
        bot_ids = {a.bot_user_id for a in self.apps.values()}
        # Without GUILD_MEMBERS Discord only sends the bot itself (and voice users).
        members = [
            m
            for m in guild.members.values()
            if intents & INTENT_GUILD_MEMBERS or m.user_id in bot_ids
        ]
        channels = [self.channels[c] for c in guild.channel_ids]
        threads = [c for c in self.channels.values() if c.guild_id == guild.id and c.is_thread]
        data.update(
            {
                "joined_at": "2024-01-01T00:00:00+00:00",
                "large": False,
                "unavailable": False,
                "member_count": len(guild.members),
                "members": [m.payload(self.users[m.user_id]) for m in members],
                "channels": [c.payload() for c in channels],
                "threads": [t.payload() for t in threads],
                "voice_states": [],
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
            }
        )
        return data
