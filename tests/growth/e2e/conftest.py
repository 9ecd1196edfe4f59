"""The real bot's world (tests/e2e/test_bot_process.py): it replaces growth's in-process one."""

from __future__ import annotations

from tests.e2e.test_bot_process import eager, mp, sb, spawn_bot, world  # noqa: F401
