from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeveloperConfig(AppConfig):
    name = "developer"
    verbose_name = _("Public API and webhooks")

    def ready(self) -> None:
        # Sales announces; we turn its signals into the shop's outgoing webhooks (rule 6).
        from developer import tasks, webhooks  # noqa: F401  (tasks: registered everywhere)
        from sales import signals

        signals.order_paid.connect(webhooks.on_order_paid, dispatch_uid="developer.paid")
        signals.order_delivered.connect(webhooks.on_order_delivered,
                                        dispatch_uid="developer.delivered")
        signals.order_revoked.connect(webhooks.on_order_revoked,
                                      dispatch_uid="developer.revoked")
