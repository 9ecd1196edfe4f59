from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AffiliatesConfig(AppConfig):
    name = "affiliates"
    verbose_name = _("Affiliates")

    def ready(self) -> None:
        # Sales announces paid and revoked orders (DESIGN.md rule 6); we react in its
        # transaction: a commission is recorded with its sale and cancelled with its refund.
        from affiliates.links import on_cart_item_added
        from affiliates.services import (
            coupon_field_code,
            on_order_paid,
            on_order_refunded_partly,
            on_order_revoked,
        )
        from sales import hooks, signals

        signals.order_paid.connect(on_order_paid, dispatch_uid="affiliates.commission")
        signals.order_revoked.connect(on_order_revoked, dispatch_uid="affiliates.reverse")
        signals.order_refunded_partly.connect(on_order_refunded_partly,
                                              dispatch_uid="affiliates.reverse_part")
        # A buyer who came through an affiliate's link is bound when they open a cart.
        signals.cart_item_added.connect(on_cart_item_added, dispatch_uid="affiliates.link")
        # An affiliate's code works where buyers type codes: the coupon field at checkout.
        hooks.register_code_handler("affiliates.code", coupon_field_code)
        import affiliates.tasks  # noqa: F401  (registered in every process)
