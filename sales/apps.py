from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from config.boundaries import register_error_shape
        from payments import registry
        from sales.api.base import boundary_error
        from sales.services.orders import on_payment_outcome

        registry.register("sales.order", on_payment_outcome)
        # Services enqueue tasks by name (sales.fulfillment.enqueue.task): register them in
        # every process, not only in workers that autodiscover them.
        import sales.tasks  # noqa: F401
        register_error_shape("/api/bot/", boundary_error)
