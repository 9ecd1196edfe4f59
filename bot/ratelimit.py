"""Per-buyer token buckets: a buyer spamming buttons is slowed down before the platform is asked.

Each user gets `capacity` actions, refilled evenly over `per_seconds`. The clock is injected
(time.monotonic by default) so tests move time by hand. Memory stays bounded: users whose
bucket is full again (idle for `per_seconds`) are forgotten, and past `max_users` the oldest
entries go first.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable


class UserBuckets:
    def __init__(self, capacity: int = 6, per_seconds: float = 10.0, *,
                 clock: Callable[[], float] = time.monotonic, max_users: int = 10_000) -> None:
        self.capacity = max(int(capacity), 1)
        self.per_seconds = max(float(per_seconds), 0.001)
        self.clock = clock
        self.max_users = max_users
        self._buckets: OrderedDict[int, tuple[float, float]] = OrderedDict()  # tokens, at

    @property
    def rate(self) -> float:
        return self.capacity / self.per_seconds

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, user_id: int) -> float:
        """Spend one action: 0.0 when allowed, else the seconds until the next one is."""
        now = self.clock()
        tokens, at = self._buckets.pop(user_id, (float(self.capacity), now))
        tokens = min(float(self.capacity), tokens + (now - at) * self.rate)
        if tokens >= 1.0:
            self._buckets[user_id] = (tokens - 1.0, now)
            wait = 0.0
        else:
            self._buckets[user_id] = (tokens, now)
            wait = (1.0 - tokens) / self.rate
        if len(self._buckets) > self.max_users:
            self._forget(now)
        return wait

    def _forget(self, now: float) -> None:
        idle = [uid for uid, (_tokens, at) in self._buckets.items()
                if now - at >= self.per_seconds]  # refilled by now: same as never seen
        for uid in idle:
            del self._buckets[uid]
        while len(self._buckets) > self.max_users:  # least recently active first
            self._buckets.popitem(last=False)
