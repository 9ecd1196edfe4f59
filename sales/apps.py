from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from payments import registry
        from sales.services.orders import on_payment_outcome

        registry.register("sales.order", on_payment_outcome)
        # Services enqueue tasks by name (sales.fulfillment.enqueue.task): register them in
        # every process, not only in workers that autodiscover them.
        import sales.tasks  # noqa: F401
