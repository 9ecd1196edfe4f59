"""The operators' AdminSite: branded, staff only, with an ops landing page."""

from __future__ import annotations

from functools import partial

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _


class VitrineAdminSite(admin.AdminSite):
    site_header = _("Vitrine operations")
    site_title = _("Vitrine admin")
    index_title = _("Platform")
    index_template = "admin_panel/index.html"

    def get_urls(self) -> list:
        from admin_panel import views

        urls = [
            path("ops/", self.admin_view(partial(views.overview, self)), name="ops"),
            path("ops/audit/", self.admin_view(partial(views.audit, self)), name="ops_audit"),
            path("ops/diagnostics/", self.admin_view(partial(views.diagnostics, self)),
                 name="ops_diagnostics"),
            path("ops/business/", self.admin_view(partial(views.business, self)),
                 name="ops_business"),
        ]
        return urls + super().get_urls()

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        from admin_panel.selectors import ops_summary

        context = {"ops": ops_summary(), **(extra_context or {})}
        return super().index(request, extra_context=context)


site = admin.site
