from __future__ import annotations

from django.apps import AppConfig
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _


def _publish_drain() -> None:
    from payments.tasks import drain_webhook_events

    drain_webhook_events.delay()


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from config.boundaries import register_error_shape
        from payments.ingest import Ingest

        # The webhook acknowledgement's state, once per process (payments.ingest.current()).
        self.ingest = Ingest(publish_drain=_publish_drain)
        register_error_shape("/webhooks/", _error)


def _error(request: HttpRequest, status: int, code: str, message: str) -> JsonResponse:
    """config.boundaries' refusals under /webhooks/ in this endpoint's own shape."""
    return JsonResponse({"error": message}, status=status)
