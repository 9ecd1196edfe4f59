from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "credit"
    verbose_name = _("Store credit")

    def ready(self) -> None:
        # payments tells us a top-up's PIX changed (DESIGN.md rule 6: lower apps publish).
        from credit.giftcards import on_order_paid, on_order_revoked
        from credit.services import on_topup_outcome
        from payments.registry import register
        from sales import signals

        register("credit.topup", on_topup_outcome)
        signals.order_paid.connect(on_order_paid, dispatch_uid="credit.giftcards.issue")
        signals.order_revoked.connect(on_order_revoked, dispatch_uid="credit.giftcards.void")
