"""Disputes: the list with deadlines, one dispute with its evidence bundle, the owner's outcome
and the buyer's unblock. Thin: every write is a disputes service."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from disputes import evidence, selectors, services
from disputes.models import Dispute
from portal.forms_disputes import DisputeFilterForm, DisputeOutcomeForm
from tenants.access import get_for_tenant_or_404, tenant_view
from tenants.models import Role


@tenant_view()
def dispute_list(request: HttpRequest) -> HttpResponse:
    form = DisputeFilterForm(request.GET or None)
    state = form.cleaned_data["state"] if form.is_valid() else ""
    context = {"form": form, "tab": "disputes", "filtered": bool(state),
               "disputes": selectors.disputes_for(tenant=request.tenant, state=state)[:200],
               "summary": selectors.dispute_summary(tenant=request.tenant)}
    return render(request, "portal/disputes/list.html", context,
                  status=400 if form.errors else 200)


def _dispute(request: HttpRequest, pk: int) -> Dispute:
    return get_for_tenant_or_404(Dispute, tenant=request.tenant, pk=pk)


def _detail(request: HttpRequest, dispute: Dispute, form: DisputeOutcomeForm | None = None,
            status: int = 200) -> HttpResponse:
    context = {"dispute": dispute, "tab": "disputes", "form": form or DisputeOutcomeForm(),
               "can_decide": request.membership.allows(Role.OWNER),
               "keys": dispute.keys.select_related("stock_item__variant__product")}
    return render(request, "portal/disputes/detail.html", context, status=status)


@tenant_view()
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _dispute(request, pk))


@tenant_view(role=Role.MANAGER)
def dispute_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = _dispute(request, pk)
    response = HttpResponse(evidence.bundle_zip(dispute), content_type="application/zip")
    name = f"dispute-{dispute.external_id}-evidence.zip".replace('"', "")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@tenant_view(role=Role.OWNER)
@require_POST
def dispute_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = _dispute(request, pk)
    form = DisputeOutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.dispute_record_outcome(dispute=dispute, actor=request.user,
                                            outcome=form.cleaned_data["outcome"])
        except services.DisputeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Outcome recorded."))
            return redirect("portal:dispute_detail", slug=request.tenant.slug, pk=dispute.pk)
    return _detail(request, dispute, form=form, status=400)


@tenant_view(role=Role.OWNER)
@require_POST
def dispute_unblock(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = _dispute(request, pk)
    try:
        services.dispute_unblock_buyer(dispute=dispute, actor=request.user)
    except services.DisputeError as error:
        messages.error(request, str(error))
        return _detail(request, dispute, status=400)
    messages.success(request, _("The buyer can shop again."))
    return redirect("portal:dispute_detail", slug=request.tenant.slug, pk=dispute.pk)
