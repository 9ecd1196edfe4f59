"""Sales pages: orders with filters and their timeline, customers with block/unblock."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.forms_payments import RefundForm
from portal.forms_sales import CustomerSearchForm, OrderFilterForm
from sales import selectors, services
from sales.models import Customer
from tenants.access import get_for_tenant_or_404, tenant_view
from tenants.models import Role
from trust import selectors as trust_selectors
from trust import services as trust_services

PAGE_SIZE = 50


@tenant_view()
def orders(request: HttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.orders(tenant=request.tenant, **{k: v for k, v in filters.items() if v})
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/sales/orders.html",
                  {"form": form, "page": page, "tab": "orders",
                   "filtered": any(filters.values()) if filters else False})


@tenant_view()
def order_detail(request: HttpRequest, code: str) -> HttpResponse:
    order = selectors.order_detail(tenant=request.tenant, code=code)
    if order is None:
        raise Http404(_("Not found."))
    payment = services.order_payment(order=order)
    return render(request, "portal/sales/order_detail.html", {
        "order": order, "payment": payment, "tab": "orders",
        # Refund and manual-PIX confirmation: the owner only (money leaves the wallet).
        "can_act": request.membership.allows(Role.OWNER), "refund_form": RefundForm(),
    })


@tenant_view(role=Role.MANAGER)
@require_POST
def order_cancel(request: HttpRequest, code: str) -> HttpResponse:
    order = selectors.order_detail(tenant=request.tenant, code=code)
    if order is None:
        raise Http404(_("Not found."))
    if services.order_cancel(order=order, actor_user=request.user):
        messages.success(request, _("Order cancelled; its stock is available again."))
    else:
        messages.error(request, _("Only orders awaiting payment can be cancelled."))
    return redirect("portal:order_detail", slug=request.tenant.slug, code=order.code)


@tenant_view()
def customers(request: HttpRequest) -> HttpResponse:
    form = CustomerSearchForm(request.GET or None)
    query = form.cleaned_data.get("q", "") if form.is_valid() else ""
    page = Paginator(selectors.customers(tenant=request.tenant, query=query.strip()),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/sales/customers.html",
                  {"form": form, "page": page, "query": query, "tab": "customers"})


@tenant_view(role=Role.MANAGER)
@require_POST
def customer_block(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_for_tenant_or_404(Customer, tenant=request.tenant, pk=pk)
    blocked = request.POST.get("blocked") == "1"
    # Through the shop's blocklist (trust), which keeps Customer.is_blocked in step.
    block = trust_selectors.shop_blocks(tenant=request.tenant).filter(
        discord_user_id=customer.discord_user_id).first()
    if blocked:
        trust_services.block_add(tenant=request.tenant, discord_user_id=customer.discord_user_id,
                                 reason=_("Blocked on the Customers page"), actor=request.user)
    elif block is not None:
        trust_services.block_remove(block=block, actor=request.user,
                                    reason="unblocked on the Customers page")
    else:  # blocked before the blocklist existed (or by an operator): the flag alone
        services.customer_set_blocked(customer=customer, actor=request.user, blocked=False)
    messages.success(request, _("%(name)s blocked.") % {"name": customer} if blocked
                     else _("%(name)s unblocked.") % {"name": customer})
    return redirect("portal:customers", slug=request.tenant.slug)
