"""Wire-level Mercado Pago emulator for the official ``mercadopago`` SDK. See README.md."""

from __future__ import annotations

from .app import create_app
from .client import BaseUrlHttpClient
from .emulator import Emulator
from .store import SandboxConfig

__all__ = ["BaseUrlHttpClient", "Emulator", "SandboxConfig", "create_app"]
