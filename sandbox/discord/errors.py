"""Discord-shaped JSON responses and error bodies."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

JSON_TYPE = "application/json"  # discord.py compares the header to this exact string


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    # Built by hand because web.json_response appends "; charset=utf-8", which discord.py
    # would then treat as text and fail to parse.
    response = web.Response(body=json.dumps(data).encode(), status=status, headers=headers)
    response.headers["Content-Type"] = JSON_TYPE
    return response


def no_content() -> web.Response:
    return web.Response(status=204)


class ApiError(Exception):
    """Raised by handlers; rendered as Discord's {"message", "code"[, "errors"]} body."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def unauthorized() -> ApiError:
    return ApiError(401, 0, "401: Unauthorized")


def unknown(kind: str, code: int) -> ApiError:
    return ApiError(404, code, f"Unknown {kind}")


def unknown_channel() -> ApiError:
    return unknown("Channel", 10003)


def unknown_message() -> ApiError:
    return unknown("Message", 10008)


def unknown_member() -> ApiError:
    return unknown("Member", 10007)


def unknown_guild() -> ApiError:
    return unknown("Guild", 10004)


def unknown_role() -> ApiError:
    return unknown("Role", 10011)


def unknown_user() -> ApiError:
    return unknown("User", 10013)


def unknown_interaction() -> ApiError:
    return unknown("interaction", 10062)


def unknown_webhook() -> ApiError:
    return unknown("Webhook", 10015)


def missing_permissions() -> ApiError:
    return ApiError(403, 50013, "Missing Permissions")


def missing_access() -> ApiError:
    return ApiError(403, 50001, "Missing Access")


def cannot_dm() -> ApiError:
    return ApiError(403, 50007, "Cannot send messages to this user")


def already_acknowledged() -> ApiError:
    return ApiError(400, 40060, "Interaction has already been acknowledged.")


def invalid_form(errors: dict[str, Any]) -> ApiError:
    return ApiError(400, 50035, "Invalid Form Body", errors)


def field_error(code: str, message: str) -> dict[str, Any]:
    """One leaf of Discord's nested `errors` tree."""
    return {"_errors": [{"code": code, "message": message}]}


def required(name: str) -> dict[str, Any]:
    return {name: field_error("BASE_TYPE_REQUIRED", "This field is required")}
