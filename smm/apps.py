from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmmConfig(AppConfig):
    name = "smm"
    verbose_name = _("SMM panel services")

    def ready(self) -> None:
        # Sales performs "service" deliveries through what we register and tells us when an
        # order is refunded (DESIGN.md rule 6: sales never imports this app).
        from sales.fulfillment.registry import register_performer
        from sales.models import Delivery
        from sales.signals import order_revoked
        from smm import services, tasks  # noqa: F401  (tasks: registered in every process)

        register_performer(Delivery.Kind.SERVICE, services.delivery_place)
        order_revoked.connect(services.on_order_revoked, dispatch_uid="smm.order_revoked")
