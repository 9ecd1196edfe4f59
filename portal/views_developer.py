"""The developers page: API keys (shown once, revocable), webhook endpoints (secret shown
once, rotation, removal) and the delivery log with a re-send button. Writes are the owner's:
keys and secrets open the shop's data."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from developer import keys, webhooks
from developer.models import ApiKey, WebhookDelivery, WebhookEndpoint
from portal.forms_developer import ApiKeyForm, WebhookEndpointForm
from tenants.access import get_for_tenant_or_404, tenant_view
from tenants.models import Role

LOG = 30


def _page(request: HttpRequest, *, key_form=None, hook_form=None, plaintext: str = "",
          status: int = 200) -> HttpResponse:
    tenant = request.tenant
    return render(request, "portal/developer/developers.html", {
        "key_form": key_form or ApiKeyForm(), "hook_form": hook_form or WebhookEndpointForm(),
        "api_keys": ApiKey.objects.for_tenant(tenant).filter(revoked_at__isnull=True),
        "endpoints": WebhookEndpoint.objects.for_tenant(tenant),
        "deliveries": WebhookDelivery.objects.for_tenant(tenant).select_related("endpoint")[:LOG],
        "plaintext": plaintext, "can_write": request.membership.allows(Role.OWNER),
    }, status=status)


@tenant_view(role=Role.MANAGER)
@require_http_methods(["GET", "POST"])
def developers(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request)
    if not request.membership.allows(Role.OWNER):
        return redirect("portal:developers", slug=request.tenant.slug)
    if request.POST.get("form") == "webhook":
        hook_form = WebhookEndpointForm(request.POST)
        if not hook_form.is_valid():
            return _page(request, hook_form=hook_form, status=400)
        _endpoint, secret = webhooks.endpoint_create(tenant=request.tenant, actor=request.user,
                                                     **hook_form.cleaned_data)
        return _page(request, plaintext=secret)
    key_form = ApiKeyForm(request.POST)
    if not key_form.is_valid():
        return _page(request, key_form=key_form, status=400)
    _key, raw = keys.key_create(tenant=request.tenant, actor=request.user,
                                **key_form.cleaned_data)
    return _page(request, plaintext=raw)


@tenant_view(role=Role.OWNER)
@require_POST
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_for_tenant_or_404(ApiKey, tenant=request.tenant, pk=pk)
    keys.key_revoke(key=key, actor=request.user)
    messages.success(request, _("API key revoked."))
    return redirect("portal:developers", slug=request.tenant.slug)


@tenant_view(role=Role.OWNER)
@require_POST
def webhook_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = get_for_tenant_or_404(WebhookEndpoint, tenant=request.tenant, pk=pk)
    return _page(request, plaintext=webhooks.endpoint_rotate(endpoint=endpoint,
                                                             actor=request.user))


@tenant_view(role=Role.OWNER)
@require_POST
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = get_for_tenant_or_404(WebhookEndpoint, tenant=request.tenant, pk=pk)
    webhooks.endpoint_delete(endpoint=endpoint, actor=request.user)
    messages.success(request, _("Endpoint removed."))
    return redirect("portal:developers", slug=request.tenant.slug)


@tenant_view(role=Role.OWNER)
@require_POST
def webhook_resend(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_for_tenant_or_404(WebhookDelivery, tenant=request.tenant, pk=pk)
    webhooks.delivery_resend(delivery=delivery, actor=request.user)
    messages.success(request, _("Sent again."))
    return redirect("portal:developers", slug=request.tenant.slug)
