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
