"""What the service benchmarks share: a free local port, waiting for HTTP, the JSON line."""

from __future__ import annotations

import json
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
