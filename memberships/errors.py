"""The one error membership rules raise; its code travels to the bot, its message to people."""

from __future__ import annotations


class MembershipError(ValueError):
    def __init__(self, code: str, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
