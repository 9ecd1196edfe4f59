"""What the service benchmarks share: a free local port, waiting for HTTP, the JSON line."""

from __future__ import annotations

import json
import os
import socket
import time


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def emit(name: str, value: float, unit: str, baseline: float | None = None) -> None:
    """One figure as a JSON line: {"name", "value", "unit", "baseline", "ratio"}."""
    ratio = round(value / baseline, 3) if baseline else None
    print(json.dumps({"name": name, "value": round(value, 2), "unit": unit,
                      "baseline": None if baseline is None else round(baseline, 2),
                      "ratio": ratio}), flush=True)


def wait_http(url: str, timeout: float = 30) -> None:
    """Until `url` answers 200 (a server just started), or RuntimeError."""
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} never answered")


def bench_database(server_url: str, name: str) -> str:
    """A new database `name` for one run, already migrated; returns its URL.

    Made from a template database kept migrated (`<server db>_bench_template`, migrated by a
    `manage.py migrate` that has nothing to do once it is current), so a run costs a file copy
    instead of every migration from scratch. Drop it with `DROP DATABASE ... WITH (FORCE)`.
    """
    import subprocess
    import sys
    from pathlib import Path
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(server_url)
    template = f"{parts.path.lstrip('/') or 'vitrine'}_bench_template"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            [template]).fetchone():
            conn.execute(f'CREATE DATABASE "{template}"')
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "DATABASE_URL": urlunsplit(parts._replace(path=f"/{template}"))}
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=root,
                   env=env, check=True)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return urlunsplit(parts._replace(path=f"/{name}"))
