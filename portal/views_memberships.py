"""Memberships pages: members (MRR, churn, CSV), a member (history, grant or extend), tiers,
settings and DM templates. Thin: forms validate, memberships' services write."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from memberships import selectors, services
from memberships.errors import MembershipError
from memberships.models import Member, MemberCharge, Tier
from portal.forms_memberships import GrantForm, MembershipSettingsForm, NewGrantForm, TierForm
from sales.models import Customer
from tenants.access import get_for_tenant_or_404, tenant_view
from tenants.models import Role

PAGE = 100


def _post(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _can_write(request: HttpRequest) -> bool:
    return request.membership.allows(Role.MANAGER)


@tenant_view()
def memberships(request: HttpRequest) -> HttpResponse:
    return _members_page(request)


def _members_page(request: HttpRequest, grant_form: NewGrantForm | None = None) -> HttpResponse:
    tenant = request.tenant
    status = request.GET.get("status", "")
    if status not in Member.Status.values:
        status = ""
    q = request.GET.get("q", "").strip()[:100]
    months = selectors.monthly(tenant=tenant, months=6)
    peak = max([m.mrr_cents for m in months] + [1])
    return render(request, "portal/memberships/members.html", {
        "members": selectors.members(tenant=tenant, status=status, q=q)[:PAGE],
        "counts": selectors.member_counts(tenant=tenant), "status": status, "q": q,
        "statuses": [(s, label) for s, label in Member.Status.choices if s != "pending"],
        "mrr": selectors.current_mrr_cents(tenant=tenant),
        "months": [(m, round(100 * m.mrr_cents / peak)) for m in months],
        "grant_form": grant_form or NewGrantForm(tenant=tenant),
        "has_tiers": Tier.objects.for_tenant(tenant).exists(), "tab": "members",
    }, status=400 if grant_form is not None and grant_form.errors else 200)


@tenant_view()
def memberships_export(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(selectors.members_csv(tenant=request.tenant),
                            content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="members-{stamp}.csv"'
    return response


@tenant_view(role=Role.MANAGER)
@require_POST
def membership_grant(request: HttpRequest) -> HttpResponse:
    form = NewGrantForm(request.POST, tenant=request.tenant)
    if form.is_valid():
        data = form.cleaned_data
        customer = Customer.objects.for_tenant(request.tenant).filter(
            discord_user_id=data["discord_user_id"]).first()
        if customer is None:
            form.add_error("discord_user_id", _(
                "No buyer with this Discord id yet: they must have used the shop's bot once."))
        else:
            member = _grant(request, form, customer, data)
            if member is not None:
                return redirect("portal:membership_member", slug=request.tenant.slug,
                                pk=member.pk)
    return _members_page(request, grant_form=form)


def _grant(request: HttpRequest, form: GrantForm, customer: Customer, data: dict):
    try:
        member = services.member_grant(tenant=request.tenant, actor=request.user,
                                       customer=customer, tier=data["tier"], days=data["days"],
                                       reason=data["reason"])
    except MembershipError as exc:
        form.add_error(None, exc.message)
        return None
    messages.success(request, _("Access given until %(date)s.") % {
        "date": date_format(timezone.localtime(member.current_period_end),
                            "SHORT_DATE_FORMAT")})
    return member


@tenant_view()
@require_http_methods(["GET", "POST"])
def membership_member(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_for_tenant_or_404(Member, tenant=request.tenant, pk=pk)
    form = GrantForm(_post(request), tenant=request.tenant, member=member)
    if request.method == "POST":
        if not _can_write(request):
            return HttpResponse(status=403)
        if form.is_valid():
            done = _grant(request, form, member.customer, form.cleaned_data)
            if done is not None:
                return redirect("portal:membership_member", slug=request.tenant.slug,
                                pk=done.pk)
    return render(request, "portal/memberships/member.html", {
        "member": member, "form": form, "tab": "members",
        "events": member.events.select_related("actor")[:50],
        "charges": MemberCharge.objects.for_tenant(request.tenant).filter(member=member)
        .select_related("tier")[:50],
    }, status=400 if form.errors else 200)


@tenant_view()
@require_http_methods(["GET", "POST"])
def membership_tiers(request: HttpRequest) -> HttpResponse:
    return _tier_page(request, None)


@tenant_view()
@require_http_methods(["GET", "POST"])
def membership_tier_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _tier_page(request, get_for_tenant_or_404(Tier, tenant=request.tenant, pk=pk))


def _tier_page(request: HttpRequest, tier: Tier | None) -> HttpResponse:
    form = TierForm(_post(request), instance=tier, tenant=request.tenant)
    if request.method == "POST":
        if not _can_write(request):
            return HttpResponse(status=403)
        if form.is_valid():
            services.tier_save(tenant=request.tenant, actor=request.user,
                               tier=form.save(commit=False))
            messages.success(request, _("Tier saved."))
            return redirect("portal:membership_tiers", slug=request.tenant.slug)
    return render(request, "portal/memberships/tiers.html", {
        "form": form, "tier": tier, "tiers": selectors.tiers(tenant=request.tenant),
        "tab": "tiers"}, status=400 if form.errors else 200)


@tenant_view()
@require_http_methods(["GET", "POST"])
def membership_settings(request: HttpRequest) -> HttpResponse:
    conf = services.conf_for(request.tenant)
    form = MembershipSettingsForm(_post(request), instance=conf, tenant=request.tenant)
    if request.method == "POST":
        if not _can_write(request):
            return HttpResponse(status=403)
        if form.is_valid():
            services.settings_save(tenant=request.tenant, actor=request.user,
                                   conf=form.save(commit=False), changed=form.changed_data)
            messages.success(request, _("Membership settings saved."))
            return redirect("portal:membership_settings", slug=request.tenant.slug)
    from django.conf import settings as django_settings
    from django.urls import reverse

    hook = django_settings.PUBLIC_URL + reverse("memberships:kofi_webhook",
                                                args=[conf.kofi_hook_id])
    return render(request, "portal/memberships/settings.html", {
        "form": form, "kofi_url": hook, "tab": "settings"},
        status=400 if form.errors else 200)
