from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RuntimeConfig(AppConfig):
    name = "runtime"
    verbose_name = _("Bot runtime")

    def ready(self) -> None:
        from runtime import (
            checks,  # noqa: F401 - registers the system checks
            lifecycle,
        )

        lifecycle.connect()
