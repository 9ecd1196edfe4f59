from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AffiliatesConfig(AppConfig):
    name = "affiliates"
    verbose_name = _("Affiliates")

    def ready(self) -> None:
        # Sales announces paid and revoked orders (DESIGN.md rule 6); we react in its
        # transaction: a commission is recorded with its sale and cancelled with its refund.
        from affiliates.services import on_order_paid, on_order_revoked
        from sales import signals

        signals.order_paid.connect(on_order_paid, dispatch_uid="affiliates.commission")
        signals.order_revoked.connect(on_order_revoked, dispatch_uid="affiliates.reverse")
        import affiliates.tasks  # noqa: F401  (registered in every process)
