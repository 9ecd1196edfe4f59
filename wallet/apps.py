from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WalletConfig(AppConfig):
    name = "wallet"
    verbose_name = _("Wallet")

    def ready(self) -> None:
        from wallet import credit, services

        services.register_payee_decider(credit.payout_decide)
