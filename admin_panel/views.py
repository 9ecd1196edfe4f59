"""Ops pages inside the admin site; read-only, so monitor operators see them too."""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from admin_panel.audit_log import AuditFilterForm, audit_csv_rows, audit_events
from admin_panel.business import business_summary
from admin_panel.diagnostics import run_checks
from admin_panel.selectors import ops_summary


def overview(site: AdminSite, request: HttpRequest) -> HttpResponse:
    context = {**site.each_context(request), "title": _("Operations overview"),
               "ops": ops_summary()}
    return TemplateResponse(request, "admin_panel/ops.html", context)


def audit(site: AdminSite, request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_events(filters)
    if request.GET.get("format") == "csv" and not form.errors:
        response = StreamingHttpResponse(audit_csv_rows(events), content_type="text/csv")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        return response
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    context = {**site.each_context(request), "title": _("Audit log"), "form": form,
               "page": page, "query": request.GET.urlencode()}
    return TemplateResponse(request, "admin_panel/audit.html", context,
                            status=400 if form.errors else 200)


def diagnostics(site: AdminSite, request: HttpRequest) -> HttpResponse:
    context = {**site.each_context(request), "title": _("Diagnostics"), "checks": run_checks()}
    return TemplateResponse(request, "admin_panel/diagnostics.html", context)


def business(site: AdminSite, request: HttpRequest) -> HttpResponse:
    days = 90 if request.GET.get("days") == "90" else 30
    context = {**site.each_context(request), "title": _("Business"),
               "biz": business_summary(days)}
    return TemplateResponse(request, "admin_panel/business.html", context)
