"""Catalog pages: products and variants, stock, coupons, message templates. Thin views."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from catalog import selectors, services
from catalog.markdown import render_markdown
from catalog.models import MessageTemplate, Product, StockItem, Variant
from catalog.services import CatalogError
from catalog.templating import PLACEHOLDERS, SAMPLE, render_message
from config.boundaries import ascii_int
from portal.forms_catalog import CouponForm, ProductForm, StockUploadForm, TemplateForm, VariantForm
from tenants.access import get_for_tenant_or_404, tenant_view
from tenants.models import Role


def _post(request: HttpRequest) -> dict | None:
    return request.POST if request.method == "POST" else None


@tenant_view()
def product_list(request: HttpRequest) -> HttpResponse:
    products = selectors.products_with_variants(tenant=request.tenant)
    return render(request, "portal/catalog/products.html",
                  {"products": products, "tab": "products"})


@tenant_view(role=Role.MANAGER)
@require_http_methods(["GET", "POST"])
def product_create(request: HttpRequest) -> HttpResponse:
    form = ProductForm(_post(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_save(tenant=request.tenant, actor=request.user,
                                            **form.cleaned_data)
        except CatalogError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Product created. Now add its first variant."))
            return redirect("portal:variant_create", slug=request.tenant.slug, pk=product.pk)
    return render(request, "portal/catalog/product_form.html", {"form": form, "tab": "products"},
                  status=400 if form.errors else 200)


@tenant_view()
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_for_tenant_or_404(Product, tenant=request.tenant, pk=pk)
    if request.method == "POST" and not request.membership.allows(Role.MANAGER):
        return redirect("portal:product_edit", slug=request.tenant.slug, pk=pk)
    form = ProductForm(_post(request), request.FILES or None, instance=product)
    if request.method == "POST" and form.is_valid():
        try:
            services.product_save(tenant=request.tenant, actor=request.user, product=product,
                                  **form.cleaned_data)
        except CatalogError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Product saved."))
            return redirect("portal:product_edit", slug=request.tenant.slug, pk=pk)
    variants = selectors.variants_with_counts(tenant=request.tenant).filter(product=product)
    return render(request, "portal/catalog/product_form.html", {
        "form": form, "product": product, "variants": variants, "tab": "products",
        "description_html": render_markdown(product.description),
    }, status=400 if form.errors else 200)


@tenant_view(role=Role.MANAGER)
@require_POST
def product_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_for_tenant_or_404(Product, tenant=request.tenant, pk=pk)
    try:
        services.product_set_active(product=product, actor=request.user,
                                    active=not product.is_active)
    except CatalogError as exc:
        messages.error(request, str(exc))
    return redirect("portal:shop", slug=request.tenant.slug)


@tenant_view(role=Role.MANAGER)
@require_POST
def product_move(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_for_tenant_or_404(Product, tenant=request.tenant, pk=pk)
    services.product_move(product=product, actor=request.user,
                          direction=-1 if request.POST.get("direction") == "up" else 1)
    return redirect("portal:shop", slug=request.tenant.slug)


@tenant_view(role=Role.MANAGER)
@require_http_methods(["GET", "POST"])
def variant_create(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_for_tenant_or_404(Product, tenant=request.tenant, pk=pk)
    return _variant_form(request, product, None)


@tenant_view(role=Role.MANAGER)
@require_http_methods(["GET", "POST"])
def variant_edit(request: HttpRequest, pk: int) -> HttpResponse:
    variant = get_for_tenant_or_404(Variant, tenant=request.tenant, pk=pk)
    return _variant_form(request, variant.product, variant)


def _variant_form(request: HttpRequest, product: Product, variant: Variant | None
                  ) -> HttpResponse:
    form = VariantForm(_post(request), instance=variant, currency=request.tenant.currency)
    if request.method == "POST" and form.is_valid():
        try:
            services.variant_save(product=product, actor=request.user, variant=variant,
                                  **form.service_fields())
        except CatalogError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Variant saved."))
            return redirect("portal:product_edit", slug=request.tenant.slug, pk=product.pk)
    return render(request, "portal/catalog/variant_form.html",
                  {"form": form, "product": product, "variant": variant, "tab": "products"},
                  status=400 if form.errors else 200)


@tenant_view(role=Role.MANAGER)
@require_POST
def variant_arrange(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a variant up or down, or toggle it on and off."""
    variant = get_for_tenant_or_404(Variant, tenant=request.tenant, pk=pk)
    action = request.POST.get("action")
    if action in ("up", "down"):
        services.variant_move(variant=variant, actor=request.user,
                              direction=-1 if action == "up" else 1)
    elif action == "toggle":
        services.variant_set_active(variant=variant, actor=request.user,
                                    active=not variant.is_active)
    return redirect("portal:product_edit", slug=request.tenant.slug, pk=variant.product_id)


@tenant_view()
@require_http_methods(["GET", "POST"])
def stock(request: HttpRequest, pk: int) -> HttpResponse:
    variant = get_for_tenant_or_404(Variant, tenant=request.tenant, pk=pk)
    form = StockUploadForm(_post(request), request.FILES or None)
    if request.method == "POST" and request.membership.allows(Role.MANAGER) and form.is_valid():
        try:
            result = services.stock_add(variant=variant, actor=request.user,
                                        lines=services.parse_stock_lines(form.cleaned_data["text"]))
        except CatalogError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("%(added)s added, %(dup)s duplicates skipped.") % {
                "added": result.added, "dup": result.duplicates})
            return redirect("portal:stock", slug=request.tenant.slug, pk=pk)
    counts = selectors.variants_with_counts(tenant=request.tenant).get(pk=variant.pk)
    available = selectors.stock_items(tenant=request.tenant, variant=variant,
                                      status=StockItem.Status.AVAILABLE).order_by("-id")[:50]
    return render(request, "portal/catalog/stock.html", {
        "variant": variant, "product": variant.product, "counts": counts, "form": form,
        "available": available, "tab": "products"}, status=400 if form.errors else 200)


@tenant_view(role=Role.MANAGER)
@require_POST
def stock_remove(request: HttpRequest, pk: int) -> HttpResponse:
    variant = get_for_tenant_or_404(Variant, tenant=request.tenant, pk=pk)
    ids = [i for i in map(ascii_int, request.POST.getlist("item")) if i is not None]
    removed = services.stock_remove_unsold(variant=variant, actor=request.user,
                                           ids=ids if "all" not in request.POST else None)
    messages.success(request, _("%(n)s unsold items removed.") % {"n": removed})
    return redirect("portal:stock", slug=request.tenant.slug, pk=pk)


@tenant_view(role=Role.MANAGER)
def stock_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Sold items as CSV (they were delivered; owners need them for support)."""
    variant = get_for_tenant_or_404(Variant, tenant=request.tenant, pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sold-{variant.pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(["id", "content", "order_ref", "sold_at"])
    for item in selectors.stock_items(tenant=request.tenant, variant=variant,
                                      status=StockItem.Status.SOLD).iterator():
        writer.writerow([item.pk, _csv_safe(item.content), item.order_ref,
                         item.sold_at.isoformat()])
    return response


def _csv_safe(value: str) -> str:
    # A key starting with = + @ would run as a formula in a spreadsheet (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "@", "\t", "\r") else value


@tenant_view()
@require_http_methods(["GET", "POST"])
def coupons(request: HttpRequest) -> HttpResponse:
    return _coupon_page(request, None)


@tenant_view()
@require_http_methods(["GET", "POST"])
def coupon_edit(request: HttpRequest, pk: int) -> HttpResponse:
    from catalog.models import Coupon

    return _coupon_page(request, get_for_tenant_or_404(Coupon, tenant=request.tenant, pk=pk))


def _coupon_page(request: HttpRequest, coupon) -> HttpResponse:
    form = CouponForm(_post(request), instance=coupon, tenant=request.tenant)
    if request.method == "POST" and request.membership.allows(Role.MANAGER) and form.is_valid():
        try:
            services.coupon_save(tenant=request.tenant, actor=request.user, coupon=coupon,
                                 **form.service_fields())
        except CatalogError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Coupon saved."))
            return redirect("portal:coupons", slug=request.tenant.slug)
    return render(request, "portal/catalog/coupons.html", {
        "form": form, "coupon": coupon, "coupons": selectors.coupons(tenant=request.tenant),
        "tab": "coupons"}, status=400 if form.errors else 200)


@tenant_view()
@require_http_methods(["GET", "POST"])
def templates(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind") or MessageTemplate.Kind.DELIVERY
    locale = request.GET.get("locale") or request.tenant.locale
    if kind not in MessageTemplate.Kind.values or locale not in ("pt-br", "en"):
        kind, locale = MessageTemplate.Kind.DELIVERY, request.tenant.locale
    body = selectors.template_body(tenant=request.tenant, kind=kind, locale=locale)
    form = TemplateForm(_post(request), initial={"kind": kind, "locale": locale, "body": body})
    if request.method == "POST" and request.membership.allows(Role.MANAGER) and form.is_valid():
        row = services.template_save(tenant=request.tenant, actor=request.user,
                                     **form.cleaned_data)
        messages.success(request, _("Message saved."))
        return redirect(f"{request.path}?kind={row.kind}&locale={row.locale}")
    return render(request, "portal/catalog/templates.html", {
        "form": form, "kind": kind, "locale": locale, "kinds": MessageTemplate.Kind.choices,
        "placeholders": PLACEHOLDERS, "preview": render_message(body, SAMPLE),
        "tab": "templates"}, status=400 if form.errors else 200)


@tenant_view()
@require_POST
def template_preview(request: HttpRequest) -> HttpResponse:
    """htmx: the message as the buyer would read it, with sample values."""
    body = request.POST.get("body", "")[:4000]
    return render(request, "portal/catalog/_preview.html",
                  {"preview": render_message(body, SAMPLE)})
