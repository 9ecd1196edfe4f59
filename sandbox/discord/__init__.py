"""Wire-level emulator of Discord's REST API v10, Gateway and OAuth2 for local tests.

The unmodified discord.py client talks to it once pointed at its URL (see ``testing``).
"""

from __future__ import annotations

from sandbox.discord.app import build_app
from sandbox.discord.state import SandboxState

__all__ = ["SandboxState", "build_app"]
