from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Plans and billing")

    def ready(self) -> None:
        # Lower apps publish, billing reacts (DESIGN.md rule 6): payments tells it a plan
        # payment changed; tenants tells it an instance was created.
        from billing import services
        from payments.registry import register
        from tenants.signals import tenant_created

        register("tenants.subscription", services.handle_payment)
        tenant_created.connect(services.on_tenant_created, dispatch_uid="billing.trial")
