from __future__ import annotations

from django.apps import AppConfig
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from config.boundaries import register_error_shape

        register_error_shape("/webhooks/", _error)


def _error(request: HttpRequest, status: int, code: str, message: str) -> JsonResponse:
    """config.boundaries' refusals under /webhooks/ in this endpoint's own shape."""
    return JsonResponse({"error": message}, status=status)
