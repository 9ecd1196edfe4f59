"""Wire-level Stripe emulator for the official ``stripe`` SDK. See README.md."""

from __future__ import annotations

from .app import Notifier, create_app, signature_header
from .emulator import Emulator

__all__ = ["Emulator", "Notifier", "create_app", "signature_header"]
