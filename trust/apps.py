from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrustConfig(AppConfig):
    name = "trust"
    verbose_name = _("Trust")

    def ready(self) -> None:
        from sales import hooks, signals
        from trust import guards, services

        # By name: a second ready() replaces rather than doubles (sales/hooks.py).
        hooks.register_checkout_guard("trust", guards.checkout_guard)
        hooks.register_paid_gate("trust", guards.paid_gate)
        signals.order_delivered.connect(services.on_order_delivered,
                                        dispatch_uid="trust.review_request")
        import trust.tasks  # noqa: F401  (services enqueue tasks by name)
