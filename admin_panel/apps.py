from __future__ import annotations

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class VitrineAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with our branded AdminSite as the default site."""

    default = False
    default_site = "admin_panel.site.VitrineAdminSite"


class AdminPanelConfig(AppConfig):
    default = True
    name = "admin_panel"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from admin_panel.roles import ensure_operator_groups

        # After every migrate: the roles cover every model's permissions, new ones included.
        post_migrate.connect(ensure_operator_groups, dispatch_uid="admin_panel.operator_groups")
        from celery.signals import beat_init

        from admin_panel.tasks import beat_started

        # Beat's minute pulse first fires up to a minute after start; send one at once.
        beat_init.connect(beat_started, dispatch_uid="admin_panel.beat_started")
