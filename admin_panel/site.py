"""The operators' AdminSite: branded, staff only, with an ops landing page."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _


class VitrineAdminSite(admin.AdminSite):
    site_header = _("Vitrine operations")
    site_title = _("Vitrine admin")
    index_title = _("Platform")
    index_template = "admin_panel/index.html"

    def get_urls(self) -> list:
        urls = [path("ops/", self.admin_view(self.ops_view), name="ops")]
        return urls + super().get_urls()

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        from admin_panel.selectors import ops_summary

        context = {"ops": ops_summary(), **(extra_context or {})}
        return super().index(request, extra_context=context)

    def ops_view(self, request: HttpRequest) -> HttpResponse:
        from admin_panel.selectors import ops_summary

        context = {**self.each_context(request), "title": _("Operations overview"),
                   "ops": ops_summary()}
        return TemplateResponse(request, "admin_panel/ops.html", context)


site = admin.site
