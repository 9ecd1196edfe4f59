"""Afiliados: the program's settings, its affiliates with clicks, sales, commission owed and
paid. Thin: affiliates' services and selectors decide."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from affiliates import selectors
from affiliates.services import (
    AffiliateRefused,
    product_percent_set,
    program,
    program_update,
)
from catalog.models import Product
from portal.forms_affiliates import AffiliateSettingsForm, ProductCommissionForm
from tenants.access import tenant_view
from tenants.models import Role


def _page(request: HttpRequest, form: AffiliateSettingsForm | None = None,
          status: int = 200, product_errors: dict[int, str] | None = None) -> HttpResponse:
    tenant = request.tenant
    enabled, percent, overrides = program(tenant)
    errors = product_errors or {}
    products = [(p, overrides.get(str(p.pk)), errors.get(p.pk, "")) for p in
                Product.objects.for_tenant(tenant).order_by("name", "pk")[:200]]
    return render(request, "portal/affiliates/affiliates.html", {
        "products": products,
        "rows": selectors.affiliates_page(tenant=tenant),
        "totals": selectors.program_totals(tenant=tenant), "enabled": enabled,
        "withdrawals": selectors.affiliate_withdrawals(tenant=tenant),
        "percent": percent, "can_edit": request.membership.allows(Role.OWNER),
        "form": form or AffiliateSettingsForm(initial={"enabled": enabled, "percent": percent}),
    }, status=status)


@tenant_view()
def affiliates(request: HttpRequest) -> HttpResponse:
    return _page(request)


@tenant_view(role=Role.OWNER)
@require_POST
def affiliates_settings(request: HttpRequest) -> HttpResponse:
    form = AffiliateSettingsForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        program_update(tenant=request.tenant, actor=request.user,
                       enabled=form.cleaned_data["enabled"], percent=form.cleaned_data["percent"])
    except AffiliateRefused as exc:
        form.add_error(None, str(exc))
        return _page(request, form, status=400)
    messages.success(request, _("Affiliate program saved."))
    return redirect("portal:affiliates", slug=request.tenant.slug)


@tenant_view(role=Role.OWNER)
@require_POST
def affiliates_product_percent(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_object_or_404(Product.objects.for_tenant(request.tenant), pk=product_id)
    form = ProductCommissionForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        return _page(request, status=400, product_errors={product.pk: errors})
    try:
        product_percent_set(tenant=request.tenant, actor=request.user, product=product,
                            percent=form.cleaned_data["percent"])
    except AffiliateRefused as exc:
        return _page(request, status=400, product_errors={product.pk: str(exc)})
    messages.success(request, _("Commission of “%(product)s” saved.") % {"product": product})
    return redirect("portal:affiliates", slug=request.tenant.slug)
