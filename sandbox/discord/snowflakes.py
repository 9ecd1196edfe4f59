"""Deterministic snowflake ids.

Real snowflakes embed a millisecond timestamp; we derive that timestamp from a counter on top of
a fixed base so ids are identical from run to run (stable fixtures, readable diffs).
"""

from __future__ import annotations

import datetime as dt
import itertools

DISCORD_EPOCH_MS = 1420070400000
# 2024-01-01T00:00:00Z: recent enough that discord.py's derived created_at looks plausible.
BASE_MS = 1704067200000


class SnowflakeGenerator:
    """Counter-based id source; each call advances the fake clock by one millisecond."""

    def __init__(self, base_ms: int = BASE_MS) -> None:
        self._base_ms = base_ms
        self._counter = itertools.count(1)

    def next(self) -> int:
        n = next(self._counter)
        timestamp = self._base_ms + n - DISCORD_EPOCH_MS
        return (timestamp << 22) | (n & 0xFFF)

    def next_str(self) -> str:
        return str(self.next())


def snowflake_time(snowflake: int) -> dt.datetime:
    ms = (snowflake >> 22) + DISCORD_EPOCH_MS
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


def iso_timestamp(snowflake: int) -> str:
    return snowflake_time(snowflake).isoformat()
