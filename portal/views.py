"""Shop-owner pages. Thin: resolve access, call a service or selector, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.dashboard import dashboard_context
from portal.forms import (
    AccountForm,
    MemberAddForm,
    MemberRoleForm,
    TenantForm,
    TenantSettingsForm,
    TokenForm,
)
from tenants import selectors, services
from tenants.access import get_for_tenant_or_404, tenant_view
from tenants.models import InstanceToken, Membership, Role, User
from tenants.quotas import BillingError
from tenants.services import TenantError


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "portal/landing.html")
    slug = request.session.get("current_tenant")
    memberships = selectors.memberships_for_user(user=request.user)
    chosen = next((m for m in memberships if m.tenant.slug == slug), None) or memberships.first()
    if chosen is None:
        return redirect("portal:instance_create")
    return redirect("portal:dashboard", slug=chosen.tenant.slug)


@login_required
def instance_list(request: HttpRequest) -> HttpResponse:
    memberships = selectors.memberships_for_user(user=request.user)
    return render(request, "portal/instances.html", {"memberships": memberships})


@login_required
@require_http_methods(["GET", "POST"])
def instance_create(request: HttpRequest) -> HttpResponse:
    form = TenantForm(request.POST if request.method == "POST" else None,
                      initial={"locale": translation.get_language() or "pt-br"})
    if request.method == "POST" and form.is_valid():
        try:
            tenant = services.tenant_create(owner=request.user, **form.cleaned_data)
        except (TenantError, BillingError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Instance “%(name)s” created.") % {"name": tenant.name})
            return redirect("portal:dashboard", slug=tenant.slug)
    first = not selectors.memberships_for_user(user=request.user).exists()
    return render(request, "portal/instance_create.html", {"form": form, "first": first},
                  status=400 if form.errors else 200)


@tenant_view()
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/dashboard.html", dashboard_context(tenant=request.tenant))


@tenant_view(role=Role.MANAGER)
@require_http_methods(["GET", "POST"])
def tenant_settings(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    form = TenantSettingsForm(request.POST if request.method == "POST" else None,
                              initial=TenantSettingsForm.initial_for(tenant))
    if request.method == "POST" and form.is_valid():
        services.tenant_update(tenant=tenant, actor=request.user,
                               name=form.cleaned_data["name"],
                               locale=form.cleaned_data["locale"],
                               discord=form.discord_settings())
        messages.success(request, _("Settings saved."))
        return redirect("portal:settings", slug=tenant.slug)
    context = {"form": form, "token_form": TokenForm(),
               "tokens": selectors.instance_tokens(tenant=tenant)}
    return render(request, "portal/settings.html", context, status=400 if form.errors else 200)


@tenant_view(role=Role.OWNER)
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the token a name of up to 60 characters."))
        return redirect("portal:settings", slug=request.tenant.slug)
    if request.POST.get("rotate"):
        token, plaintext = services.instance_token_rotate(tenant=request.tenant,
                                                          actor=request.user)
    else:
        token, plaintext = services.instance_token_create(
            tenant=request.tenant, actor=request.user, name=form.cleaned_data["name"])
    template = "portal/_token_created.html" if request.htmx else "portal/token_created.html"
    return render(request, template, {"token": token, "plaintext": plaintext})


@tenant_view(role=Role.OWNER)
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_for_tenant_or_404(InstanceToken, tenant=request.tenant, pk=pk)
    services.instance_token_revoke(token=token, actor=request.user)
    messages.success(request, _("Token %(prefix)s… revoked.") % {"prefix": token.display_prefix})
    return redirect("portal:settings", slug=request.tenant.slug)


@tenant_view()
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest) -> HttpResponse:
    form = MemberAddForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not request.membership.allows(Role.OWNER):
            raise PermissionDenied(_("Only the instance owner can add members."))
        if form.is_valid() and _add_member(request, form):
            return redirect("portal:members", slug=request.tenant.slug)
    context = {"form": form, "members": selectors.tenant_members(tenant=request.tenant),
               "role_form": MemberRoleForm()}
    return render(request, "portal/members.html", context, status=400 if form.errors else 200)


def _add_member(request: HttpRequest, form: MemberAddForm) -> bool:
    user = User.objects.filter(email__iexact=form.cleaned_data["email"]).first()
    if user is None:
        form.add_error("email", _("No Vitrine user has this email; ask them to sign in first."))
        return False
    try:
        services.membership_add(tenant=request.tenant, actor=request.user, user=user,
                                role=form.cleaned_data["role"])
    except TenantError as exc:
        form.add_error(None, str(exc))
        return False
    messages.success(request, _("%(name)s added.") % {"name": user.display_name})
    return True


@tenant_view(role=Role.OWNER)
@require_POST
def member_update(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_for_tenant_or_404(Membership, tenant=request.tenant, pk=pk)
    try:
        if request.POST.get("remove"):
            services.membership_remove(membership=membership, actor=request.user)
            messages.success(request, _("Member removed."))
        else:
            form = MemberRoleForm(request.POST)
            if not form.is_valid():
                raise TenantError(_("Choose manager or viewer."))
            services.membership_set_role(membership=membership, actor=request.user,
                                         role=form.cleaned_data["role"])
            messages.success(request, _("Role updated."))
    except TenantError as exc:
        messages.error(request, str(exc))
    return redirect("portal:members", slug=request.tenant.slug)


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = AccountForm(request.POST if request.method == "POST" else None, initial={
        "first_name": user.first_name,
        "preferred_language": user.preferred_language or translation.get_language(),
    })
    if request.method == "POST" and form.is_valid():
        user.first_name = form.cleaned_data["first_name"]
        user.preferred_language = form.cleaned_data["preferred_language"]
        user.save(update_fields=["first_name", "preferred_language"])
        translation.activate(user.preferred_language)
        messages.success(request, _("Account saved."))
        response = redirect("portal:account")
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.preferred_language,
                            samesite="Lax")
        return response
    return render(request, "portal/account.html", {"form": form},
                  status=400 if form.errors else 200)
