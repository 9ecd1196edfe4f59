"""An ``http_client`` for the official SDK that sends its calls to another base URL.

Usage::

    sdk = mercadopago.SDK("TEST-123", http_client=BaseUrlHttpClient("http://127.0.0.1:8765"))
"""

from __future__ import annotations

from typing import Any

from mercadopago.config.config import Config
from mercadopago.http import HttpClient

MP_API_BASE = Config().api_base_url  # "https://api.mercadopago.com"


class BaseUrlHttpClient(HttpClient):
    """Rewrites ``https://api.mercadopago.com`` to ``base_url``; the SDK stays untouched."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def rewrite(self, url: str) -> str:
        if url.startswith(MP_API_BASE):
            return self.base_url + url[len(MP_API_BASE) :]
        return url

    def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        maxretries: int | None = None,
        retry_on: list[int] | None = None,
        backoff_factor: float | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        return super().request(
            method,
            self.rewrite(url),
            maxretries=maxretries,
            retry_on=retry_on,
            backoff_factor=backoff_factor,
            **kwargs,
        )
