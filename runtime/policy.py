"""Numbers of the crash policy and health checks; each can be overridden in settings."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def _get(name: str, default: float) -> float:
    return getattr(settings, f"RUNTIME_{name}", default)


def heartbeat_seconds() -> int:
    return int(_get("HEARTBEAT_SECONDS", 30))


def stale_after() -> timedelta:
    """No heartbeat for this long: unhealthy."""
    return timedelta(seconds=max(3 * heartbeat_seconds(), 90))


def start_grace() -> timedelta:
    """A new bot has this long to send its first heartbeat before it counts as unhealthy."""
    return timedelta(seconds=_get("START_GRACE_SECONDS", 120))


def stable_run() -> timedelta:
    """A bot that ran this long before exiting starts a fresh backoff series."""
    return timedelta(seconds=_get("STABLE_RUN_SECONDS", 600))


def crashloop_after() -> int:
    """Quick failures in a row before crashlooping (no more restarts until the owner acts)."""
    return int(_get("CRASHLOOP_AFTER", 5))


def daily_start_budget() -> int:
    # Each start is a gateway IDENTIFY; Discord allows 1,000 a day per bot. Stay far below.
    return int(_get("DAILY_START_BUDGET", 100))


def backoff(failures: int) -> timedelta:
    """10 s, 20 s, 40 s ... capped at 10 minutes."""
    base = _get("BACKOFF_BASE_SECONDS", 10)
    return timedelta(seconds=min(base * 2 ** max(failures - 1, 0), _get("BACKOFF_MAX_SECONDS",
                                                                          600)))


def snapshot_budget() -> float:
    """Seconds a pass may spend reading logs and stats (the reconcile task stops at 25 s)."""
    return float(_get("SNAPSHOT_BUDGET_SECONDS", 12))


def snapshot_threads() -> int:
    # Docker's one-off stats wait for two samples (about a second): read a few bots at once.
    return int(_get("SNAPSHOT_THREADS", 8))


def sync_threads() -> int:
    # Starts in one pass at once: each mostly waits on the engine (create, start), so a few
    # threads overlap those waits without loading the engine with hundreds of calls at a time.
    return int(_get("SYNC_THREADS", 8))
