"""Gateway sessions: an ordered, replayable event log per IDENTIFY.

Events are appended with their sequence number whether or not a socket is attached, which is
what makes RESUME work: a reconnecting client asks for everything after its last `seq`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Session:
    id: str
    app_id: int
    intents: int
    seq: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    connected: bool = False
    invalidated: bool = False
    dropped_by_server: bool = False
    socket: Any = None  # the attached web.WebSocketResponse, if any

    def push(self, name: str, data: Any) -> int:
        self.seq += 1
        self.log.append({"op": 0, "t": name, "s": self.seq, "d": data})
        self.changed.set()
        return self.seq

    def after(self, seq: int) -> list[dict[str, Any]]:
        # seq numbers are dense and start at 1, so the index is seq itself.
        return self.log[seq:]
