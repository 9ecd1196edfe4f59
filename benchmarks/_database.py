"""`python benchmarks/_database.py`: create the database DATABASE_URL names if it is missing.

`make bench-smoke` points the benchmarks that need PostgreSQL at one (`vitrine_bench` unless
DATABASE_URL is set), as the test suite does for its own; a fresh machine has no such database.
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
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    main()
