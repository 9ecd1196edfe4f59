"""Gateway v10 over websocket: HELLO, IDENTIFY/READY, RESUME, heartbeats, dispatch replay."""

from __future__ import annotations

import asyncio
import json
import logging
import zlib
from typing import Any

from aiohttp import WSMsgType, web

from sandbox.discord.models import INTENT_GUILD_MEMBERS, INTENT_GUILDS, PRIVILEGED_INTENTS
from sandbox.discord.sessions import Session
from sandbox.discord.state import SandboxState

log = logging.getLogger(__name__)

OP_DISPATCH, OP_HEARTBEAT, OP_IDENTIFY, OP_RESUME = 0, 1, 2, 6
OP_REQUEST_MEMBERS, OP_INVALID_SESSION, OP_HELLO, OP_HEARTBEAT_ACK = 8, 9, 10, 11


class Connection:
    """One websocket; serialises writes because zlib-stream output must stay in order."""

    def __init__(self, ws: web.WebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        self.lock = asyncio.Lock()
        # zlib-stream: one compression context for the socket's lifetime, each frame ending in
        # Z_SYNC_FLUSH (00 00 ff ff) which is how discord.py finds message boundaries.
        # Other schemes (zstd-stream) fall back to text frames, which discord.py also accepts.
        self.zlib = zlib.compressobj() if compress == "zlib-stream" else None

    async def send(self, payload: dict[str, Any]) -> None:
        text = json.dumps(payload)
        async with self.lock:
            if self.ws.closed:
                return
            if self.zlib is None:
                await self.ws.send_str(text)
            else:
                data = self.zlib.compress(text.encode()) + self.zlib.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(data)


class GatewayHandler:
    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def __call__(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        conn = Connection(ws, request.query.get("compress"))
        hello = {"heartbeat_interval": self.state.heartbeat_interval_ms, "_trace": ["sandbox"]}
        await conn.send({"op": OP_HELLO, "d": hello, "s": None, "t": None})
        session: Session | None = None
        writer: asyncio.Task[None] | None = None
        try:
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                payload = json.loads(msg.data)
                op, data = payload.get("op"), payload.get("d")
                if op == OP_HEARTBEAT:
                    await conn.send({"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
                elif op in (OP_IDENTIFY, OP_RESUME) and session is None:
                    start = self.identify if op == OP_IDENTIFY else self.resume
                    attached = await start(conn, data, request)
                    if attached is not None:
                        session, cursor = attached
                        writer = asyncio.create_task(self.writer(conn, session, cursor))
                elif op == OP_REQUEST_MEMBERS and session is not None:
                    self.request_members(session, data)
        finally:
            if writer is not None:
                writer.cancel()
            if session is not None and session.socket is ws:
                session.connected, session.socket = False, None
                # A client that closes with 1000 ends its session (Discord won't RESUME it);
                # any other code (4000 from discord.py's reconnect path) leaves it resumable.
                if ws.close_code == 1000 and not session.dropped_by_server:
                    session.invalidated = True
                session.dropped_by_server = False
        return ws

    async def writer(self, conn: Connection, session: Session, cursor: int) -> None:
        while not conn.ws.closed:
            # Clearing before reading is race-free: pushes happen on this same loop.
            session.changed.clear()
            pending = session.after(cursor)
            if not pending:
                await session.changed.wait()
                continue
            for frame in pending:
                await conn.send(frame)
                cursor = frame["s"]

    async def identify(
        self, conn: Connection, data: dict[str, Any], request: web.Request
    ) -> tuple[Session, int] | None:
        app = self.state.app_by_token(str(data.get("token", "")))
        if app is None:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return None
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED_INTENTS & ~app.enabled_intents:
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        sid = f"{self.state.next_counter():032x}"
        session = Session(sid, app.id, intents)
        self.state.sessions[sid] = session
        self._attach(session, conn)
        session.push("READY", self._ready_payload(session, data, request))
        if intents & INTENT_GUILDS:
            for guild in self.state.guilds.values():
                if app.bot_user_id in guild.members:
                    session.push("GUILD_CREATE", self.state.guild_create_payload(guild, intents))
        return session, 0

    async def resume(
        self, conn: Connection, data: dict[str, Any], request: web.Request
    ) -> tuple[Session, int] | None:
        session = self.state.sessions.get(str(data.get("session_id")))
        app = self.state.app_by_token(str(data.get("token", "")))
        if session is None or session.invalidated or app is None or app.id != session.app_id:
            # d=false: not resumable, the client must IDENTIFY again on a new connection.
            await conn.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return None
        if session.socket is not None and not session.socket.closed:
            session.dropped_by_server = True
            await session.socket.close(code=4000)
        self._attach(session, conn)
        cursor = int(data.get("seq") or 0)
        session.push("RESUMED", {"_trace": ["sandbox"]})
        return session, cursor

    @staticmethod
    def _attach(session: Session, conn: Connection) -> None:
        session.connected, session.socket = True, conn.ws

    def _ready_payload(
        self, session: Session, data: dict[str, Any], request: web.Request
    ) -> dict[str, Any]:
        app = self.state.apps[session.app_id]
        guilds = [
            {"id": str(g.id), "unavailable": True}
            for g in self.state.guilds.values()
            if app.bot_user_id in g.members
        ]
        ready = {
            "v": 10,
            "user": self.state.users[app.bot_user_id].me_payload(with_email=False),
            "guilds": guilds,
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": f"ws://{request.host}/gateway",
            "application": {"id": str(app.id), "flags": app.flags},
            "private_channels": [],
            "relationships": [],
            "user_settings": {},
            "presences": [],
            "_trace": ["sandbox"],
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        return ready

    def request_members(self, session: Session, data: dict[str, Any]) -> None:
        guild = self.state.guilds.get(int(data.get("guild_id", 0)))
        if guild is None or not session.intents & INTENT_GUILD_MEMBERS:
            return
        wanted = {int(u) for u in data.get("user_ids") or []}
        query = str(data.get("query") or "").lower()
        members = [
            m
            for m in guild.members.values()
            if (not wanted or m.user_id in wanted)
            and self.state.users[m.user_id].username.lower().startswith(query)
        ]
        chunk = {
            "guild_id": str(guild.id),
            "members": [m.payload(self.state.users[m.user_id]) for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [str(u) for u in wanted - set(guild.members)],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        session.push("GUILD_MEMBERS_CHUNK", chunk)


async def drop_session(state: SandboxState, session_id: str, code: int = 4000) -> bool:
    """Close a session's socket as a network blip would; the session stays resumable."""
    session = state.sessions.get(session_id)
    if session is None or session.socket is None:
        return False
    # The close handshake may report the client's reply code, so remember who hung up.
    session.dropped_by_server = True
    await session.socket.close(code=code)
    return True
