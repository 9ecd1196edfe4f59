"""Structured logs: JSON lines in production (structlog), readable lines in development.

Every line carries the request id, tenant id and task id when there is one (bound in
contextvars by config.middleware and the Celery signals below). A redaction step runs on every
line, ours and third-party, so secrets and personal data never reach the logs even when a caller
slips.
"""

from __future__ import annotations

import re
from typing import Any

import structlog

SENSITIVE_KEYS = re.compile(
    r"(token|secret|password|passwd|authorization|cookie|api_key|pix_key|cpf|cnpj|email|"
    r"signature|fernet|credential)", re.I)
SENSITIVE_VALUES = [
    re.compile(r"vtr_[0-9a-f]{12}_[A-Za-z0-9_\-]{20,}"),  # our instance tokens
    re.compile(r"[MNO][A-Za-z\d_\-]{23,27}\.[A-Za-z\d_\-]{6}\.[A-Za-z\d_\-]{27,}"),  # Discord
    re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/\-]+=*"),
    re.compile(r"(APP_USR|TEST)-[0-9a-f\-]{20,}"),  # Mercado Pago access tokens
]
REDACTED = "[redacted]"


def scrub(text: str) -> str:
    for pattern in SENSITIVE_VALUES:
        text = pattern.sub(REDACTED, text)
    return text


def redact(logger: Any, method: str, event: dict[str, Any]) -> dict[str, Any]:
    for key, value in list(event.items()):
        if key != "event" and SENSITIVE_KEYS.search(key):
            event[key] = REDACTED
        elif isinstance(value, str):
            event[key] = scrub(value)
    return event


def _shared_processors() -> list:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
        redact,
    ]


def build_logging(*, json_lines: bool, level: str) -> dict:
    """Configure structlog and return the stdlib LOGGING dict that routes through it."""
    structlog.configure(
        processors=[*_shared_processors(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderer = (structlog.processors.JSONRenderer() if json_lines
                else structlog.dev.ConsoleRenderer(colors=False))
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    _format_exception,
                    _scrub_message,
                    renderer,
                ],
                "foreign_pre_chain": _shared_processors(),
            },
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "INFO"}},
    }


def _format_exception(logger: Any, method: str, event: dict[str, Any]) -> dict[str, Any]:
    return structlog.processors.format_exc_info(logger, method, event)


def _scrub_message(logger: Any, method: str, event: dict[str, Any]) -> dict[str, Any]:
    # Messages and tracebacks are formatted late; scrub them after formatting too.
    for key in ("event", "exception"):
        if isinstance(event.get(key), str):
            event[key] = scrub(event[key])
    return event
