from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Tenants and accounts")

    def ready(self) -> None:
        from tenants import checks  # noqa: F401  (registers deploy checks)
        from tenants.auth import point_discord_provider_at_settings

        point_discord_provider_at_settings()
