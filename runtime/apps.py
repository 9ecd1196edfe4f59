from __future__ import annotations

from django.apps import AppConfig
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _


class RuntimeConfig(AppConfig):
    name = "runtime"
    verbose_name = _("Bot runtime")

    def ready(self) -> None:
        from config.boundaries import register_error_shape
        from runtime import (
            checks,  # noqa: F401 - registers the system checks
            lifecycle,
        )

        lifecycle.connect()
        register_error_shape("/api/runtime/", _error)


def _error(request: HttpRequest, status: int, code: str, message: str) -> JsonResponse:
    """config.boundaries' refusals under /api/runtime/ in this endpoint's own shape."""
    return JsonResponse({"detail": message}, status=status)
