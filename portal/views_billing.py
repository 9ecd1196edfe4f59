"""The Plano page: current plan, usage against quotas, renewal checkout, plan changes.

Thin: access through tenant_view (owner for changes; the payment routes stay open while the
instance is suspended, since paying is how a suspension ends), then one billing service.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing import selectors, services
from money import format_money as money
from payments.models import Payment
from payments.providers.mercadopago import ProviderError
from tenants.access import get_for_tenant_or_404, tenant_view
from tenants.models import PlanVersion, Role, Subscription, SubscriptionCharge
from tenants.quotas import BillingError, Features


def _interval(version: PlanVersion) -> str:
    if version.interval == PlanVersion.Interval.DAY:
        return _("%(n)d days") % {"n": version.interval_count}
    if version.interval_count == 1:
        return _("month")
    return _("%(n)d months") % {"n": version.interval_count}


def _limit(value: int | None) -> str:
    return _("Unlimited") if value is None else str(value)


def _feature_lines(version: PlanVersion) -> list[dict]:
    f = Features.of(version)
    return [
        {"label": _("Active products"), "value": _limit(f.max_active_products)},
        {"label": _("Orders per month"), "value": _limit(f.max_orders_per_month)},
        {"label": _("Instances per account"), "value": _limit(f.max_instances)},
        {"label": _("Sales fee"), "value": f"{number_format(f.fee_percent, 2)}%"},
        {"label": _("Withdrawal hold (PIX / card)"),
         "value": _("%(pix)d / %(card)d days") % {"pix": f.hold_days_pix,
                                                  "card": f.hold_days_card}},
        {"label": _("Bot resources"),
         "value": f"{f.memory_mb} MB · {number_format(f.cpu, 2)} CPU"},
        {"label": _("Card payments"), "value": _("Yes") if f.card_payments else _("No"),
         "on": f.card_payments},
        {"label": _("External fulfillment"),
         "value": _("Yes") if f.external_fulfillment else _("No"),
         "on": f.external_fulfillment},
    ]


def _ladder(sub: Subscription | None) -> list[dict]:
    rows = []
    for version in selectors.plans_on_sale():
        action = selectors.plan_change(subscription=sub, version=version)
        row = {"version": version, "price": money(version.price_cents, version.currency),
               "interval": _interval(version), "features": _feature_lines(version),
               "action": action, "current": sub is not None and (
                   version.plan_id == sub.plan_version.plan_id)}
        if action == "upgrade":
            row["prorated"] = money(services.prorated_cents(sub, version), version.currency)
        rows.append(row)
    return rows


def _history(tenant) -> list[dict]:
    charges = list(selectors.charges_for(tenant=tenant)[:24])
    payments = {p.pk: p for p in Payment.objects.for_tenant(tenant).filter(
        pk__in=[c.payment_pk for c in charges if c.payment_pk])}
    return [{"charge": c, "amount": money(c.amount_cents, c.plan_version.currency),
             "payment": payments.get(c.payment_pk)} for c in charges]


def _page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    tenant = request.tenant
    sub = selectors.subscription_for_tenant(tenant=tenant)
    renew_price = None
    if sub is not None and sub.status != Subscription.Status.CANCELED:
        try:
            target = services.renewal_version(sub)
            renew_price = money(target.price_cents, target.currency)
        except BillingError:
            renew_price = None
    context = {
        "sub": sub,
        "version": sub.plan_version if sub else None,
        "price": money(sub.plan_version.price_cents) if sub else "",
        "interval": _interval(sub.plan_version) if sub else "",
        "renew_price": renew_price,
        "usage": selectors.usage_rows(tenant=tenant),
        "ladder": _ladder(sub),
        "history": _history(tenant),
        "can_manage": request.membership.allows(Role.OWNER),
        "banner": selectors.banner_for(tenant=tenant),
    }
    return render(request, "portal/billing/plan.html", context, status=status)


@tenant_view()
def plan(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _refused(request: HttpRequest, error: BillingError) -> HttpResponse:
    messages.error(request, str(error))
    return _page(request, status=400)


def _version_from(request: HttpRequest) -> PlanVersion | None:
    raw = request.POST.get("version", "")
    if not raw:
        return None
    version = PlanVersion.objects.select_related("plan").filter(
        pk=int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else 0)
    if not version.exists():
        raise Http404(_("Not found."))
    return version.get()


@tenant_view(role=Role.OWNER, allow_read_only=True)
@require_POST
def plan_checkout(request: HttpRequest, pk: int) -> HttpResponse:
    sub = get_for_tenant_or_404(Subscription, tenant=request.tenant, pk=pk)
    method = "card" if request.POST.get("method") == "card" else "pix"
    try:
        _charge, payment = services.subscription_checkout(
            subscription=sub, actor=request.user, version=_version_from(request), method=method)
    except (BillingError, ValueError) as error:  # ValueError: payments' PaymentError
        return _refused(request, error)
    except ProviderError:
        return _refused(request, BillingError(_("Mercado Pago is not answering right now. "
                                                "Try again in a few minutes.")))
    return redirect("payments:page", public_id=payment.public_id)


@tenant_view(role=Role.OWNER)
@require_POST
def plan_downgrade(request: HttpRequest, pk: int) -> HttpResponse:
    sub = get_for_tenant_or_404(Subscription, tenant=request.tenant, pk=pk)
    version = _version_from(request)
    if version is None:
        raise Http404(_("Not found."))
    try:
        services.subscription_schedule_downgrade(subscription=sub, actor=request.user,
                                                 version=version)
    except BillingError as error:
        return _refused(request, error)
    messages.success(request, _("You will switch to %(plan)s at the end of this period.")
                     % {"plan": version.plan.display_name})
    return redirect("portal:plan", slug=request.tenant.slug)


@tenant_view(role=Role.OWNER)
@require_POST
def plan_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    sub = get_for_tenant_or_404(Subscription, tenant=request.tenant, pk=pk)
    cancel = request.POST.get("cancel") == "1"
    try:
        services.subscription_set_cancel(subscription=sub, actor=request.user, cancel=cancel)
    except BillingError as error:
        return _refused(request, error)
    messages.success(request, _("Your plan will end with this period.") if cancel
                     else _("Your plan will renew as usual."))
    return redirect("portal:plan", slug=request.tenant.slug)


@tenant_view()
def plan_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    charge = get_for_tenant_or_404(SubscriptionCharge, tenant=request.tenant, pk=pk)
    payment = (Payment.objects.for_tenant(request.tenant).filter(pk=charge.payment_pk).first()
               if charge.payment_pk else None)
    return render(request, "portal/billing/receipt.html", {
        "charge": charge, "payment": payment,
        "amount": money(charge.amount_cents, charge.plan_version.currency)})
