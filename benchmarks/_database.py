"""`python benchmarks/_database.py`: create the database DATABASE_URL names if it is missing.

`make bench-smoke` points the benchmarks that need PostgreSQL at one (`vitrine_bench` unless
DATABASE_URL is set), as the test suite does for its own; a fresh machine has no such database.
A database whose name ends in `_bench` is made anew each run: benchmarks commit rows (payments
numbered by a sandbox that starts from the same id every run), so a second run would collide
with the first's. Any other database is only created if missing, never dropped.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import psycopg


def main() -> None:
    url = os.environ["DATABASE_URL"]
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        return
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if name.endswith("_bench"):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    main()
