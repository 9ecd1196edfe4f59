"""Growth pages: settings (reminders, feed, roles, welcome) and analytics (with CSV). Thin."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from growth import selectors
from growth.services.settings import settings_for, settings_save
from portal.forms_growth import AnalyticsPeriodForm, GrowthSettingsForm
from tenants.access import tenant_view
from tenants.models import Role


@tenant_view(role=Role.MANAGER)
def growth_settings(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    form = GrowthSettingsForm(request.POST if request.method == "POST" else None,
                              initial=GrowthSettingsForm.initial_for(settings_for(tenant)))
    if request.method == "POST" and form.is_valid():
        settings_save(tenant=tenant, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Growth settings saved."))
        return redirect("portal:growth_settings", slug=tenant.slug)
    return render(request, "portal/growth/settings.html", {"form": form, "tab": "settings"},
                  status=400 if form.errors else 200)


@tenant_view()
def growth_analytics(request: HttpRequest) -> HttpResponse:
    form = AnalyticsPeriodForm(request.GET or None)
    days = (form.cleaned_data.get("days") if form.is_valid() else None) or selectors.PERIODS[0]
    data = selectors.analytics(tenant=request.tenant, days=days)
    if request.GET.get("format") == "csv":
        return _csv(request, data)
    chart = {"labels": [d["day"].isoformat() for d in data.daily],
             "revenue": [d["revenue_cents"] for d in data.daily],
             "prev_revenue": [d["prev_revenue_cents"] for d in data.daily],
             "orders": [d["orders"] for d in data.daily],
             "prev_orders": [d["prev_orders"] for d in data.daily],
             "currency": request.tenant.currency,
             "names": {"revenue": _("Revenue"), "previous": _("Previous period"),
                       "orders": _("Orders")}}
    return render(request, "portal/growth/analytics.html",
                  {"form": form, "data": data, "days": days, "chart": chart,
                   "periods": selectors.PERIODS, "tab": "analytics"})


def _csv(request: HttpRequest, data: selectors.Analytics) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{request.tenant.slug}-analytics-{data.days}d-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    if request.GET.get("table") == "products":
        writer.writerow([_("Product"), _("Views"), _("Cart adds"), _("Orders"), _("Units"),
                         _("Revenue"), _("Conversion (%)")])
        for p in data.products:
            writer.writerow([p.name, p.views, p.adds, p.orders, p.units,
                             f"{p.revenue_cents / 100:.2f}",
                             "" if p.conversion is None else p.conversion])
        return response
    writer.writerow([_("Date"), _("Revenue"), _("Orders"), _("Previous period revenue"),
                     _("Previous period orders")])
    for d in data.daily:
        writer.writerow([d["day"].isoformat(), f"{d['revenue_cents'] / 100:.2f}", d["orders"],
                         f"{d['prev_revenue_cents'] / 100:.2f}", d["prev_orders"]])
    return response
