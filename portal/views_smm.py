"""Pages for custom fields on products and SMM panel delivery. Thin views: a form, a service,
a redirect."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from catalog import field_services
from catalog.fields import MAX_FIELDS
from catalog.models import Fulfillment, Product, ProductField, Variant
from catalog.selectors import product_fields
from portal.forms_smm import PanelForm, ProductFieldForm, ServiceMappingForm
from smm import selectors, services
from tenants.access import get_for_tenant_or_404, tenant_view
from tenants.models import Role

RECENT_ORDERS = 25


def _post(request: HttpRequest) -> dict | None:
    return request.POST if request.method == "POST" else None


def _writer(request: HttpRequest) -> bool:
    return request.membership.allows(Role.MANAGER)


@tenant_view()
@require_http_methods(["GET", "POST"])
def fields(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_for_tenant_or_404(Product, tenant=request.tenant, pk=pk)
    if request.method == "POST" and not _writer(request):
        return redirect("portal:product_fields", slug=request.tenant.slug, pk=pk)
    form = ProductFieldForm(_post(request), product=product)
    if request.method == "POST" and form.is_valid():
        try:
            field_services.product_field_add(product=product, actor=request.user,
                                             **form.cleaned_data)
        except field_services.FieldLimit:
            form.add_error(None, _("A product can ask at most %(max)s fields (a Discord form "
                                   "holds five).") % {"max": MAX_FIELDS})
        else:
            messages.success(request, _("Field added."))
            return redirect("portal:product_fields", slug=request.tenant.slug, pk=pk)
    return render(request, "portal/smm/fields.html", {
        "product": product, "form": form, "tab": "products",
        "fields": product_fields(tenant=request.tenant, product_id=product.pk),
        "max_fields": MAX_FIELDS}, status=400 if form.errors else 200)


@tenant_view(role=Role.MANAGER)
@require_POST
def field_delete(request: HttpRequest, pk: int) -> HttpResponse:
    field = get_for_tenant_or_404(ProductField, tenant=request.tenant, pk=pk)
    product_id = field.product_id
    field_services.product_field_delete(field=field, actor=request.user)
    messages.success(request, _("Field removed."))
    return redirect("portal:product_fields", slug=request.tenant.slug, pk=product_id)


@tenant_view()
@require_http_methods(["GET", "POST"])
def panel(request: HttpRequest) -> HttpResponse:
    current = selectors.panel(tenant=request.tenant)
    if request.method == "POST" and not request.membership.allows(Role.OWNER):
        return redirect("portal:smm_panel", slug=request.tenant.slug)
    form = PanelForm(_post(request), panel=current)
    if request.method == "POST" and form.is_valid():
        services.panel_save(tenant=request.tenant, actor=request.user, **form.cleaned_data)
        messages.success(request, _("SMM panel saved. Its balance appears here once the panel "
                                    "answers."))
        return redirect("portal:smm_panel", slug=request.tenant.slug)
    orders = list(selectors.panel_orders(tenant=request.tenant)[:RECENT_ORDERS])
    return render(request, "portal/smm/panel.html", {
        "form": form, "panel": current, "orders": orders, "tab": "smm",
        "low": current is not None and current.balance_alerted_at is not None,
    }, status=400 if form.errors else 200)


@tenant_view(role=Role.MANAGER)
@require_http_methods(["GET", "POST"])
def service(request: HttpRequest, pk: int) -> HttpResponse:
    variant = get_for_tenant_or_404(Variant, tenant=request.tenant, pk=pk)
    if variant.fulfillment != Fulfillment.SERVICE:
        messages.error(request, _("Set this variant to deliver a service by API first."))
        return redirect("portal:variant_edit", slug=request.tenant.slug, pk=pk)
    asked = product_fields(tenant=request.tenant, product_id=variant.product_id)
    mapping = selectors.mapping_of(tenant=request.tenant, variant=variant)
    form = ServiceMappingForm(_post(request), instance=mapping, fields=asked)
    if request.method == "POST" and form.is_valid():
        services.mapping_save(tenant=request.tenant, actor=request.user, variant=variant,
                              **form.cleaned_data)
        messages.success(request, _("SMM service saved."))
        return redirect("portal:product_edit", slug=request.tenant.slug, pk=variant.product_id)
    return render(request, "portal/smm/service.html", {
        "form": form, "variant": variant, "product": variant.product, "fields": asked,
        "panel": selectors.panel(tenant=request.tenant), "tab": "products",
    }, status=400 if form.errors else 200)
