"""Settings → Payments: the shop's Mercado Pago account (OAuth connect, callback, disconnect),
the choice between it and Vitrine's wallet, and the payment methods buyers see.

Thin: access through tenant_view (connecting and choosing are the owner's), then
payments.connect. The OAuth callback has one fixed URL (Mercado Pago wants the redirect_uri
registered), so it finds the shop from the signed `state` and checks the signed-in user owns
it: anyone else gets a 404, a forged or replayed state a 400.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from payments import connect, providers
from payments.providers import mercadopago_oauth
from portal.forms_payments import PaymentSettingsForm
from sales import selectors as sales_selectors
from tenants.access import get_membership_or_404, refuse_writes_when_read_only, tenant_view
from tenants.models import Role, Tenant
from tenants.quotas import features

SESSION_KEY = "mp_oauth_nonces"  # {tenant pk: nonce}; popped by the callback (single use)


def _initial(tenant: Tenant) -> dict:
    options = tenant.settings or {}
    return {"mp_account": options.get(connect.SETTING, connect.PLATFORM),
            "card_enabled": bool(options.get("card_enabled")),
            "stripe_card_enabled": bool(options.get("stripe_card_enabled"))}


def _context(request: HttpRequest, form: PaymentSettingsForm) -> dict:
    tenant = request.tenant
    return {"form": form, "connection": connect.connection_for(tenant),
            "blocker": connect.checkout_blocker(tenant),
            "oauth_available": mercadopago_oauth.is_configured(),
            "stripe_available": providers.get("stripe").is_configured(),
            "card_plan": features(tenant).card_payments,
            "offered": sales_selectors.payment_methods(tenant=tenant),
            "can_act": request.membership.allows(Role.OWNER)}


@tenant_view(role=Role.MANAGER)
@require_http_methods(["GET", "POST"])
def payment_settings(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    form = PaymentSettingsForm(request.POST if request.method == "POST" else None,
                               initial=_initial(tenant))
    if request.method == "POST":
        if not request.membership.allows(Role.OWNER):
            raise PermissionDenied(_("Only the instance owner can change where payments go."))
        if form.is_valid():
            data = form.cleaned_data
            try:
                connect.payment_options_set(tenant=tenant, actor=request.user,
                                            own_account=data["mp_account"] == connect.OWN,
                                            card=data["card_enabled"],
                                            stripe_card=data["stripe_card_enabled"])
            except connect.ConnectError as exc:
                form.add_error("mp_account", str(exc))
            else:
                messages.success(request, _("Payment settings saved."))
                return redirect("portal:payment_settings", slug=tenant.slug)
    return render(request, "portal/payments/settings.html", _context(request, form),
                  status=400 if form.errors else 200)


@tenant_view(role=Role.OWNER)
@require_POST
def mp_connect(request: HttpRequest) -> HttpResponse:
    try:
        url, nonce = connect.connect_start(tenant=request.tenant)
    except connect.ConnectError as exc:
        messages.error(request, str(exc))
        return redirect("portal:payment_settings", slug=request.tenant.slug)
    nonces = dict(request.session.get(SESSION_KEY) or {})
    nonces[str(request.tenant.pk)] = nonce
    request.session[SESSION_KEY] = nonces
    return redirect(url)


@login_required
@require_GET
def mp_connect_callback(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    try:
        tenant_id = connect.state_tenant_id(state)
    except connect.ConnectError as exc:
        return render(request, "portal/payments/connect_failed.html", {"reason": str(exc)},
                      status=400)
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        raise Http404
    membership = get_membership_or_404(user=request.user, slug=tenant.slug, role=Role.VIEWER)
    if not membership.allows(Role.OWNER):
        raise Http404  # the state names a shop this user does not own: as if it did not exist
    refuse_writes_when_read_only(request, tenant)
    nonces = dict(request.session.get(SESSION_KEY) or {})
    nonce = nonces.pop(str(tenant.pk), None)  # single use: a replay finds nothing here
    request.session[SESSION_KEY] = nonces
    if request.GET.get("error"):  # the owner said no at Mercado Pago
        messages.error(request, _("The Mercado Pago connection was cancelled."))
        return redirect("portal:payment_settings", slug=tenant.slug)
    try:
        connect.connect_complete(tenant=tenant, actor=request.user,
                                 code=request.GET.get("code", ""), state=state,
                                 expected_nonce=nonce)
    except connect.ConnectError as exc:
        return render(request, "portal/payments/connect_failed.html",
                      {"reason": str(exc), "tenant": tenant}, status=400)
    messages.success(request, _("Your Mercado Pago account is connected. Choose “My own "
                                "Mercado Pago account” below to start receiving there."))
    return redirect("portal:payment_settings", slug=tenant.slug)


@tenant_view(role=Role.OWNER)
@require_POST
def mp_disconnect(request: HttpRequest) -> HttpResponse:
    if connect.connection_disconnect(tenant=request.tenant, actor=request.user):
        messages.success(request, _("Mercado Pago account disconnected. New payments go to "
                                    "Vitrine's wallet. Also remove Vitrine from the "
                                    "applications in your Mercado Pago account."))
    return redirect("portal:payment_settings", slug=request.tenant.slug)
