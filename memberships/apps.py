from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipsConfig(AppConfig):
    name = "memberships"
    verbose_name = _("Memberships")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # payments tells us a membership charge's payment changed (DESIGN.md rule 6).
        from memberships import card, services, tasks  # noqa: F401  (tasks: registered by name)
        from payments.registry import register, register_topic

        register("memberships.membercharge", services.handle_payment)
        # Mercado Pago's subscription notifications (card memberships).
        # The handlers take the notification's data id and re-read it from Mercado Pago.
        register_topic("mercadopago", "subscription_preapproval",
                       lambda event: card.on_preapproval(event.data_id))
        register_topic("mercadopago", "subscription_authorized_payment",
                       lambda event: card.on_authorized_payment(event.data_id))
