"""Trust pages: reviews (filters, reply, hide), the blocklist, the risk rules, and the release
of an order held for review. Thin: access, form, one service, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from catalog.models import Product
from portal.forms_trust import (
    BlockForm,
    ReviewFilterForm,
    ReviewHideForm,
    ReviewReplyForm,
    ReviewSettingsForm,
    RiskRulesForm,
)
from sales import selectors as sales_selectors
from sales.errors import SalesError
from tenants.access import tenant_view
from tenants.models import Role
from trust import selectors, services

PAGE_SIZE = 30


def _review_or_404(request: HttpRequest, pk: int):
    review = selectors.review_detail(tenant=request.tenant, pk=pk)
    if review is None:
        raise Http404(_("Not found."))
    return review


@tenant_view()
def reviews(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    products = Product.objects.for_tenant(tenant).order_by("name")
    form = ReviewFilterForm(request.GET or None, products=products)
    filters = form.filters()
    page = Paginator(selectors.reviews(tenant=tenant, **filters),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    settings = selectors.trust_settings(tenant=tenant)
    ratings = selectors.product_ratings(tenant=tenant)
    counts = selectors.star_counts(tenant=tenant)
    total = sum(counts.values())
    return render(request, "portal/trust/reviews.html", {
        "form": form, "page": page, "tab": "reviews", "filtered": any(filters.values()),
        "rating": selectors.shop_rating(tenant=tenant),
        "distribution": [(n, counts[n], round(100 * counts[n] / total) if total else 0)
                         for n in range(5, 0, -1)],
        "product_ratings": [(p, ratings[p.pk]) for p in products if p.pk in ratings],
        "settings_form": ReviewSettingsForm(initial={
            "reviews_enabled": settings.reviews_enabled if settings else True,
            "reviews_channel_id": settings.reviews_channel_id if settings else ""}),
        "reply_form": ReviewReplyForm(), "hide_form": ReviewHideForm()})


@tenant_view(role=Role.MANAGER)
@require_POST
def review_settings(request: HttpRequest) -> HttpResponse:
    form = ReviewSettingsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The channel id is a Discord id: digits only."))
        return redirect("portal:trust_reviews", slug=request.tenant.slug)
    services.trust_settings_update(tenant=request.tenant, actor=request.user, **form.cleaned_data)
    messages.success(request, _("Review settings saved."))
    return redirect("portal:trust_reviews", slug=request.tenant.slug)


@tenant_view(role=Role.MANAGER)
@require_POST
def review_reply(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review_or_404(request, pk)
    form = ReviewReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A reply has at most 1000 characters."))
    else:
        services.review_reply(review=review, actor=request.user, text=form.cleaned_data["reply"])
        messages.success(request, _("Reply saved; it shows in Discord too."))
    return redirect("portal:trust_reviews", slug=request.tenant.slug)


@tenant_view(role=Role.MANAGER)
@require_POST
def review_hide(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review_or_404(request, pk)
    if request.POST.get("show") == "1":
        services.review_unhide(review=review, actor=request.user)
        messages.success(request, _("The review is visible again."))
        return redirect("portal:trust_reviews", slug=request.tenant.slug)
    form = ReviewHideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the review is hidden (up to 200 characters)."))
    else:
        services.review_hide(review=review, actor=request.user,
                             reason=form.cleaned_data["reason"])
        messages.success(request, _("Review hidden. Its stars no longer count."))
    return redirect("portal:trust_reviews", slug=request.tenant.slug)


@tenant_view()
@require_http_methods(["GET", "POST"])
def blocks(request: HttpRequest) -> HttpResponse:
    form = BlockForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not request.membership.allows(Role.MANAGER):
            raise PermissionDenied(_("Viewers cannot change this."))
        if form.is_valid():
            data = form.cleaned_data
            services.block_add(tenant=request.tenant, actor=request.user,
                               discord_user_id=data["discord_user_id"],
                               payer_email=data["payer_email"], reason=data["reason"],
                               expires_at=data["expires_at"])
            messages.success(request, _("Buyer blocked: they cannot check out in this shop."))
            return redirect("portal:trust_blocks", slug=request.tenant.slug)
    query = (request.GET.get("q") or "").strip()[:100]
    page = Paginator(selectors.shop_blocks(tenant=request.tenant, query=query),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/trust/blocks.html",
                  {"form": form, "page": page, "query": query, "tab": "blocks"},
                  status=400 if form.errors else 200)


@tenant_view(role=Role.MANAGER)
@require_POST
def block_remove(request: HttpRequest, pk: int) -> HttpResponse:
    block = selectors.shop_block(tenant=request.tenant, pk=pk)
    if block is None:
        raise Http404(_("Not found."))
    services.block_remove(block=block, actor=request.user, reason="removed in the portal")
    messages.success(request, _("%(who)s unblocked.") % {"who": block})
    return redirect("portal:trust_blocks", slug=request.tenant.slug)


@tenant_view()
@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest) -> HttpResponse:
    current = selectors.trust_settings(tenant=request.tenant)
    form = RiskRulesForm(request.POST if request.method == "POST" else None,
                         initial=RiskRulesForm.initial_for(current))
    if request.method == "POST":
        if not request.membership.allows(Role.MANAGER):
            raise PermissionDenied(_("Viewers cannot change this."))
        if form.is_valid():
            services.trust_settings_update(tenant=request.tenant, actor=request.user,
                                           **form.values())
            messages.success(request, _("Risk rules saved."))
            return redirect("portal:trust_rules", slug=request.tenant.slug)
    held = sales_selectors.orders(tenant=request.tenant, status="on_hold")[:20]
    return render(request, "portal/trust/rules.html",
                  {"form": form, "tab": "rules", "held": held},
                  status=400 if form.errors else 200)


@tenant_view(role=Role.MANAGER)
@require_POST
def order_release(request: HttpRequest, code: str) -> HttpResponse:
    order = sales_selectors.order_detail(tenant=request.tenant, code=code)
    if order is None:
        raise Http404(_("Not found."))
    try:
        services.order_approve(order=order, actor=request.user)
    except SalesError as exc:
        messages.error(request, exc.message())
    else:
        messages.success(request, _("Order approved: its delivery has started."))
    return redirect("portal:order_detail", slug=request.tenant.slug, code=order.code)
