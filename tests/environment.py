"""Loaded with `-p tests.environment`, before Django's settings are read.

Tests run on the real PostgreSQL and Redis of the machine (DESIGN.md, Testing); nothing here
falls back to SQLite. The variables below are defaults: CI or a developer can point elsewhere.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vitrine")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-" + "x" * 40)
os.environ.setdefault("FERNET_KEYS", "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=")
os.environ.setdefault("STATIC_MANIFEST", "0")
os.environ.setdefault("WHITENOISE_USE_FINDERS", "1")  # live_server serves static for browsers
os.environ.setdefault("DISCORD_CLIENT_ID", "")
# Eager Celery ignores countdowns, so the drain's delayed last pass cannot wait out a process's
# trust in the drain flag: tests ask Redis on every acknowledgement, and the trust window has
# its own tests (tests/payments/test_drain.py).
os.environ.setdefault("PAYMENTS_DRAIN_TRUST_MS", "0")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The emulators and test endpoints listen on 127.0.0.1; tests/config/test_egress.py turns it
# off to prove private targets are refused.
os.environ.setdefault("EGRESS_ALLOW_PRIVATE", "1")  # Playwright's sync API runs a loop


def pytest_configure(config: pytest.Config) -> None:
    url = os.environ["DATABASE_URL"]
    if not url.startswith(("postgres://", "postgresql://")):
        raise pytest.UsageError(f"DATABASE_URL must point to PostgreSQL for tests, got {url!r}")
    import psycopg

    try:
        # Connect to the maintenance database: the test database does not exist yet.
        base = url.rsplit("/", 1)[0] + "/postgres"
        psycopg.connect(base, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        raise pytest.UsageError(
            f"PostgreSQL is not reachable at {base} ({exc}).\n"
            "Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main "
            "start  (or run .ci/run, which starts it), or set DATABASE_URL."
        ) from None


def postgres_only(connection, why: str) -> None:
    """Skip a PostgreSQL-only test elsewhere; with REQUIRE_POSTGRES=1 (CI) fail it instead, so a
    run that silently fell back to another database can never look green."""
    if connection.vendor == "postgresql":
        return
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(f"REQUIRE_POSTGRES=1 but the database is {connection.vendor}: {why}")
    pytest.skip(why)
