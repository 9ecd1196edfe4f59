"""Settings come from the environment; bad values stop startup with the variable's name."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "prod-" + "k9Zq2Lm4Xw8Rt6Yp1Vb3Nc5" * 3,
    "FERNET_KEYS": "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "ALLOWED_HOSTS": "vitrine.example.com",
    "PUBLIC_URL": "https://vitrine.example.com",
}


def run_django(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    # Drop what tests/environment.py set, so the child sees a deployment's environment.
    test_only = {"HTTPS", "STATIC_MANIFEST", "WHITENOISE_USE_FINDERS", "DJANGO_ALLOW_ASYNC_UNSAFE",
                 "DISCORD_CLIENT_ID"}
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k not in test_only}
    clean["VAR_DIR"] = str(ROOT / "var" / "test-settings")
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_production_values():
    result = run_django(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_check_deploy_warns_about_embedded_defaults():
    env = {k: v for k, v in PRODUCTION.items() if k not in {"SECRET_KEY", "FERNET_KEYS"}}
    result = run_django(env, "check", "--deploy")
    assert "vitrine.W001" in result.stderr + result.stdout
    assert "vitrine.W002" in result.stderr + result.stdout


@pytest.mark.parametrize(("name", "value"), [
    ("DEBUG", "maybe"),
    ("FERNET_KEYS", "not-a-key"),
    ("DATABASE_URL", "nosuchdb://x/y"),
    ("REDIS_URL", "http://127.0.0.1:6379"),
    ("RUNTIME_BACKEND", "kubernetes-please"),
    ("DISCORD_API_BASE_URL", "discord.com/api"),
    ("DB_CONN_MAX_AGE", "forever"),
    ("SECRET_KEY_FILE", "/nonexistent/secret"),
])
def test_bad_value_names_the_variable(name, value):
    result = run_django({**PRODUCTION, name: value}, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr.splitlines()[-1]


def test_secret_file_variant_is_read(tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text("from-a-file-" + "z" * 50 + "\n")
    env = {**PRODUCTION, "SECRET_KEY_FILE": str(secret)}
    env.pop("SECRET_KEY")
    result = run_django(env, "shell", "-c",
                        "from django.conf import settings; print(settings.SECRET_KEY)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "from-a-file-" + "z" * 50


def test_broker_is_filesystem_without_redis_and_redis_with_it():
    code = "from django.conf import settings; print(settings.CELERY_BROKER_URL)"
    embedded = run_django({"DEBUG": "1"}, "shell", "-c", code)
    assert embedded.stdout.strip().splitlines()[-1] == "filesystem://", embedded.stderr
    production = run_django(PRODUCTION, "shell", "-c", code)
    assert production.stdout.strip().splitlines()[-1] == PRODUCTION["REDIS_URL"]


def test_embedded_cache_is_shared_between_processes():
    """web, worker and beat are separate processes: beat's pulse written by the worker must
    be read by the web (a per-process cache showed "beat last seen: never" on make run)."""
    write = "from django.core.cache import cache; cache.set('shared-probe', 'seen', 60)"
    read = "from django.core.cache import cache; print(cache.get('shared-probe'))"
    assert run_django({"DEBUG": "1"}, "shell", "-c", write).returncode == 0
    result = run_django({"DEBUG": "1"}, "shell", "-c", read)
    assert result.stdout.strip().splitlines()[-1] == "seen", result.stderr


def test_embedded_broker_keeps_its_files_in_var_dir():
    code = ("import json; from django.conf import settings; "
            "print(json.dumps(settings.CELERY_BROKER_TRANSPORT_OPTIONS))")
    result = run_django({"DEBUG": "1"}, "shell", "-c", code)
    options = json.loads(result.stdout.strip().splitlines()[-1])
    folders = [v for k, v in options.items() if "folder" in k]
    assert len(folders) == 4 and all(f.startswith(str(ROOT / "var")) for f in folders), folders


def test_embedded_broker_polls_fast():
    code = ("from django.conf import settings; "
            "print(settings.CELERY_BROKER_TRANSPORT_OPTIONS['polling_interval'])")
    result = run_django({"DEBUG": "1"}, "shell", "-c", code)
    assert float(result.stdout.strip().splitlines()[-1]) <= 0.05, result.stderr


def test_embedded_broker_never_hands_out_a_half_written_message(tmp_path, monkeypatch):
    """While a message is being written, no consumer can match its file (kombu's own
    transport creates `<name>.default.msg` first and fills it after: a fast consumer read it
    empty and the worker died on the JSON error)."""
    from kombu import Connection

    import config.broker

    seen_mid_write: list[list[str]] = []
    encode = config.broker.str_to_bytes

    def spy(value):  # called with the file open, before its content is written
        seen_mid_write.append([n for n in os.listdir(tmp_path) if n.endswith(".default.msg")])
        return encode(value)

    monkeypatch.setattr(config.broker, "str_to_bytes", spy)
    options = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path),
               "control_folder": str(tmp_path / "control"), "store_processed": False}
    with Connection("filesystem://", transport="config.broker:Transport",
                    transport_options=options) as conn:
        channel = conn.default_channel
        channel._put("default", {"body": "x" * 10_000})
        assert seen_mid_write == [[]]
        assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
        assert channel._get("default") == {"body": "x" * 10_000}
        with pytest.raises(queue.Empty):
            channel._get("default")
