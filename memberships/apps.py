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
        register_topic("subscription_preapproval", card.on_preapproval)
        register_topic("subscription_authorized_payment", card.on_authorized_payment)
