from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrowthConfig(AppConfig):
    name = "growth"
    verbose_name = _("Growth")

    def ready(self) -> None:
        from growth import receivers
        from sales import signals

        uid = "growth"
        signals.cart_item_added.connect(receivers.on_cart_item_added, dispatch_uid=f"{uid}.add")
        signals.order_created.connect(receivers.on_order_created, dispatch_uid=f"{uid}.created")
        signals.order_paid.connect(receivers.on_order_paid, dispatch_uid=f"{uid}.paid")
        signals.order_revoked.connect(receivers.on_order_revoked, dispatch_uid=f"{uid}.revoked")
        # Services enqueue tasks by name: register them in every process.
        import growth.tasks  # noqa: F401
