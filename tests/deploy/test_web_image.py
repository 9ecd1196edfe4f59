"""The production web image: built offline, non-root, answers /readyz against this machine's
PostgreSQL and Redis under gunicorn with production settings."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest
import requests
from django.db import connection

from tests.runtime.conftest import require_engine, wait_for

ROOT = Path(__file__).resolve().parents[2]
IMAGE = os.environ.get("WEB_IMAGE", "vitrine-web:latest")


@pytest.fixture(scope="module")
def web_image() -> str:
    require_engine("docker")
    build = subprocess.run(["bash", "deploy/build_web_image.sh"], cwd=ROOT, capture_output=True,
                           text=True, timeout=900)
    assert build.returncode == 0, build.stdout + build.stderr
    return IMAGE


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_web_image_serves_readyz_with_production_settings(web_image):
    params = connection.settings_dict
    port, name = _free_port(), f"vitrine-web-test-{uuid.uuid4().hex[:8]}"
    env = {
        "DEBUG": "0", "HTTPS": "0", "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": "image-test-" + "k" * 50,
        "FERNET_KEYS": "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=",
        "DATABASE_URL": f"postgres://{params['USER'] or 'postgres'}@127.0.0.1:"
                        f"{params['PORT'] or 5432}/{params['NAME']}",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1",
    }
    args = ["docker", "run", "-d", "--rm", "--name", name, "--network", "host",
            "--label", "vitrine.test=web-image"]
    for key, value in env.items():
        args += ["-e", f"{key}={value}"]
    started = subprocess.run([*args, web_image], capture_output=True, text=True, timeout=60)
    assert started.returncode == 0, started.stderr
    try:
        def ready() -> requests.Response | None:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
            except (requests.ConnectionError, requests.Timeout):  # still booting, or a busy CI
                return None
            return response if response.status_code == 200 else None

        response = wait_for(ready, timeout=120, what="web container /readyz")
        assert response.json()["checks"]["database"]["ok"] is True
        static = requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=30)
        assert static.status_code == 200 and "/static/portal/app." in static.text  # hashed
        user = subprocess.run(["docker", "exec", name, "id", "-u"], capture_output=True,
                              text=True, timeout=30)
        assert user.stdout.strip() != "0"
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)
