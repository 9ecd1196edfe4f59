"""Mercado Pago style API errors.

Every error the emulator returns uses MP's JSON shape
``{"message", "error", "status", "cause": [{"code", "description", "data"}]}`` because the
SDK and integrators branch on those fields (``MPResponse.error_message``/``error_causes``).
"""

from __future__ import annotations

from typing import Any


class MPError(Exception):
    """An API error rendered by the app middleware in Mercado Pago's shape."""

    def __init__(
        self,
        status: int,
        message: str,
        error: str | None = None,
        cause: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error = error or _default_error(status)
        self.cause = cause or []

    def to_dict(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "error": self.error,
            "status": self.status,
            "cause": self.cause,
        }


def _default_error(status: int) -> str:
    return {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        409: "conflict",
        500: "internal_error",
    }.get(status, "error")


def cause(code: int | str, description: str) -> dict[str, Any]:
    return {"code": code, "description": description, "data": None}


def bad_request(code: int | str, description: str, message: str | None = None) -> MPError:
    """400 with a single cause; MP usually repeats the cause text as message."""
    return MPError(400, message or description, "bad_request", [cause(code, description)])


def not_found(what: str, code: int | str = 2000) -> MPError:
    return MPError(404, f"{what} not found", "not_found", [cause(code, f"{what} not found")])


def unauthorized(message: str = "invalid access token") -> MPError:
    return MPError(401, message, "unauthorized", [cause(2002, message)])
