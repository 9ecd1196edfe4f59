"""Typed readers for environment variables.

Every reader names the variable in its error, so a bad deployment fails at startup with a
message an operator can act on ("FERNET_KEYS: entry 2 is not a valid Fernet key") instead of a
traceback deep inside a request.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}

_env = environ.Env()


def raw(name: str) -> str | None:
    return os.environ.get(name)


def secret(name: str, default: str | None = None) -> str | None:
    """A secret from `NAME` or from the file named by `NAME_FILE` (Docker/K8s secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{name}_FILE: cannot read {path!r} ({exc.strerror})"
            ) from exc
    return os.environ.get(name, default)


def string(name: str, default: str) -> str:
    return os.environ.get(name, default)


def boolean(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}: expected a boolean (1/0, true/false), got {value!r}")


def integer(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}: expected an integer, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}: must be at least {minimum}, got {number}")
    return number


def choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}: expected one of {', '.join(choices)}, got {value!r}")
    return value


def str_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def url(name: str, default: str) -> str:
    value = os.environ.get(name, default).strip().rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise ImproperlyConfigured(f"{name}: expected an http(s) URL, got {value!r}")
    return value


SUPPORTED_DATABASES = ("postgres", "postgresql", "pgsql", "sqlite")


def database(name: str, default: str) -> dict:
    """PostgreSQL in production (psycopg 3), SQLite for the embedded demo; nothing else."""
    value = secret(name) or default
    scheme = value.split(":", 1)[0]
    if scheme not in SUPPORTED_DATABASES:
        raise ImproperlyConfigured(
            f"{name}: unsupported scheme {scheme!r}; use postgres://… or sqlite:///…"
        )
    try:
        config = _env.db_url_config(value)
    except Exception as exc:  # environ raises several types for malformed URLs
        raise ImproperlyConfigured(f"{name}: invalid database URL ({exc})") from None
    return config


def redis_url(name: str) -> str | None:
    value = secret(name)
    if value and not value.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"{name}: expected a redis:// URL, got {value.split(':')[0]!r}://…")
    return value or None


def fernet_keys(name: str, fallback: list[str]) -> list[str]:
    """Comma-separated Fernet keys, newest first: encrypt with the first, decrypt with any."""
    value = secret(name)
    keys = [k.strip() for k in value.split(",") if k.strip()] if value else fallback
    if not keys:
        raise ImproperlyConfigured(f"{name}: at least one key is required")
    for index, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                f"{name}: entry {index} is not a valid Fernet key "
                "(generate one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())')"
            ) from None
    return keys


def persisted_dev_value(path: Path, make: callable) -> str:
    """A value generated once and kept in var/, so the embedded default needs no setup.

    Production sets the variable instead; `check --deploy` warns while this fallback is in use.
    """
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    path.write_text(value, encoding="utf-8")
    path.chmod(0o600)
    return value
