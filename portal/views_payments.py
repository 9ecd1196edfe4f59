"""Owner actions on a payment: confirm a manual PIX, refund (full or partial, with a reason).

The order page (sales) links here or includes portal/payments/_actions.html; these views own
access and call payments.services only.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from money import format_money
from payments import services
from payments.models import Payment
from portal.forms_payments import RefundForm
from sales import services as sales_services
from sales.errors import SalesError
from tenants.access import get_for_tenant_or_404, tenant_view
from tenants.models import Role


def _back(request: HttpRequest, payment: Payment) -> HttpResponse:
    target = request.POST.get("next", "")
    # A local path only: redirect() would read any other text as a view name (and fail).
    if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return redirect("portal:payment_detail", slug=request.tenant.slug,
                    public_id=payment.public_id)


@tenant_view()
@require_GET
def payment_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    payment = get_for_tenant_or_404(Payment, tenant=request.tenant, public_id=public_id)
    refunds = payment.refunds.select_related("actor").all()
    return render(request, "portal/payments/detail.html",
                  {"payment": payment, "refunds": refunds, "refund_form": RefundForm(),
                   "can_act": request.membership.allows(Role.OWNER),
                   "left_cents": payment.amount_cents - payment.refunded_cents})


@tenant_view(role=Role.OWNER)
@require_POST
def payment_confirm(request: HttpRequest, public_id: str) -> HttpResponse:
    payment = get_for_tenant_or_404(Payment, tenant=request.tenant, public_id=public_id)
    try:
        services.payment_manual_confirm(payment=payment, actor=request.user)
    except services.PaymentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Payment confirmed. The order is being delivered."))
    return _back(request, payment)


@tenant_view(role=Role.OWNER)
@require_POST
def payment_refund(request: HttpRequest, public_id: str) -> HttpResponse:
    payment = get_for_tenant_or_404(Payment, tenant=request.tenant, public_id=public_id)
    form = RefundForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return _back(request, payment)
    try:
        refund = sales_services.payment_refund_by(
            payment=payment, by=sales_services.RefundActor.portal(request.user),
            reason=form.cleaned_data["reason"], amount_cents=form.cleaned_data["amount"])
    except SalesError as exc:  # not refundable, bad amount, Mercado Pago down or refusing
        messages.error(request, exc.message())
    else:
        messages.success(request, _("Refund of %(amount)s done.")
                         % {"amount": format_money(refund.amount_cents, payment.currency)})
    return _back(request, payment)
