"""Saldo: what the shop owes its buyers in store credit, who holds it, top-ups and their
settings; and the order page's "refund to the balance". Thin: services and selectors decide."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from catalog.models import Fulfillment, Variant
from credit import giftcards, selectors
from credit.policy import credit_policy
from credit.services import CreditRefused, credit_settings_update
from money import format_money
from portal.forms_credit import CreditRefundForm, CreditSettingsForm, GiftCardCreateForm
from sales import selectors as sales_selectors
from sales import services as sales_services
from sales.errors import SalesError
from tenants.access import tenant_view
from tenants.models import Role


def _initial(tenant) -> dict:
    policy = credit_policy(tenant)
    return {"topup_enabled": policy.topup_enabled,
            "min_amount": format_money(policy.topup_min_cents, tenant.currency).replace(
                "R$", "").strip(),
            "max_amount": format_money(policy.topup_max_cents, tenant.currency).replace(
                "R$", "").strip(),
            "bonus_percent": policy.bonus_percent}


@tenant_view()
def credit(request: HttpRequest) -> HttpResponse:
    return _page(request, CreditSettingsForm(initial=_initial(request.tenant)))


def _stock_variants(tenant) -> list[Variant]:
    return list(Variant.objects.for_tenant(tenant).filter(fulfillment=Fulfillment.STOCK)
                .select_related("product").order_by("product__name", "label"))


def _page(request: HttpRequest, form: CreditSettingsForm | None = None,
          card_form: GiftCardCreateForm | None = None, status: int = 200) -> HttpResponse:
    tenant = request.tenant
    return render(request, "portal/credit/credit.html", {
        "owed": selectors.owed(tenant=tenant), "buyers": selectors.buyers_owed(tenant=tenant),
        "topups": selectors.recent_topups(tenant=tenant), "policy": credit_policy(tenant),
        "cards": selectors.giftcard_summary(tenant=tenant),
        "form": form or CreditSettingsForm(initial=_initial(tenant)),
        "card_form": card_form or GiftCardCreateForm(variants=_stock_variants(tenant)),
        "can_edit": request.membership.allows(Role.OWNER),
    }, status=status)


@tenant_view(role=Role.OWNER)
@require_POST
def credit_settings(request: HttpRequest) -> HttpResponse:
    form = CreditSettingsForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    data = form.cleaned_data
    try:
        credit_settings_update(tenant=request.tenant, actor=request.user,
                               topup_enabled=data["topup_enabled"], min_cents=data["min_amount"],
                               max_cents=data["max_amount"], bonus_percent=data["bonus_percent"])
    except CreditRefused as exc:
        form.add_error(None, str(exc))
        return _page(request, form=form, status=400)
    messages.success(request, _("Store credit settings saved."))
    return redirect("portal:credit", slug=request.tenant.slug)


@tenant_view(role=Role.OWNER)
@require_POST
def giftcards_create(request: HttpRequest) -> HttpResponse:
    form = GiftCardCreateForm(request.POST, variants=_stock_variants(request.tenant))
    if not form.is_valid():
        return _page(request, card_form=form, status=400)
    try:
        made = giftcards.giftcards_create(variant=form.cleaned_data["variant"],
                                          actor=request.user, count=form.cleaned_data["count"])
    except CreditRefused as exc:
        form.add_error(None, str(exc))
        return _page(request, card_form=form, status=400)
    messages.success(request, ngettext(
        "%(count)s gift card code added to the option's stock.",
        "%(count)s gift card codes added to the option's stock.", made) % {"count": made})
    return redirect("portal:credit", slug=request.tenant.slug)


@tenant_view(role=Role.OWNER)
@require_POST
def order_refund_to_credit(request: HttpRequest, code: str) -> HttpResponse:
    order = sales_selectors.order_detail(tenant=request.tenant, code=code)
    if order is None:
        raise Http404(_("Not found."))
    form = CreditRefundForm(request.POST)
    back = redirect("portal:order_detail", slug=request.tenant.slug, code=order.code)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        back.status_code = 303
        return back
    try:
        refund = sales_services.order_refund(
            order=order, by=sales_services.RefundActor.portal(request.user),
            reason=form.cleaned_data["reason"], amount_cents=form.cleaned_data["amount"],
            to_credit=True)
    except SalesError as exc:
        messages.error(request, exc.message())
    else:
        messages.success(request, _("%(amount)s went back to the buyer's balance.")
                         % {"amount": format_money(refund.amount_cents, order.currency)})
    return back
