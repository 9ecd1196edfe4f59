"""Carteira: balances, releases, statement (with CSV), daily chart and withdrawals. Thin."""

from __future__ import annotations

import csv
from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from money import format_money
from portal.forms_wallet import StatementFilterForm, WithdrawalForm
from tenants.access import get_for_tenant_or_404, tenant_view
from tenants.models import Role
from wallet import selectors, services
from wallet.models import Withdrawal
from wallet.policy import wallet_policy

CHART_W, CHART_H, CHART_DAYS = 720, 180, 30


@tenant_view()
def wallet(request: HttpRequest) -> HttpResponse:
    return _wallet_page(request)


def _wallet_page(request: HttpRequest, form: WithdrawalForm | None = None) -> HttpResponse:
    tenant = request.tenant
    for decided in services.withdrawal_notices_seen(tenant=tenant):
        _notify(request, decided)
    context = {
        "balances": selectors.balances(tenant=tenant),
        "policy": wallet_policy(tenant),
        "releases": selectors.upcoming_releases(tenant=tenant),
        "chart": daily_chart(selectors.daily_net_sales(tenant=tenant, days=CHART_DAYS)),
        "form": form or WithdrawalForm(),
        "can_withdraw": request.membership.allows(Role.OWNER),
        "withdrawals": selectors.withdrawals(tenant=tenant)[:20],
        "recent": selectors.statement(tenant=tenant)[:8],
        # Sales received on the shop's own Mercado Pago account, and other currencies' books
        # (issue 23): shown apart, each in its own currency.
        "books": [b for b in selectors.books_by_currency(tenant=tenant)
                  if b.currency != "BRL" or b.settled],
    }
    return render(request, "portal/wallet/wallet.html", context,
                  status=400 if form is not None and form.errors else 200)


def _notify(request: HttpRequest, w: Withdrawal) -> None:
    if w.status == Withdrawal.Status.PAID:
        messages.success(request, _("Withdrawal of %(amount)s was paid (reference %(ref)s).")
                         % {"amount": format_money(w.amount_cents), "ref": w.reference})
    elif w.status == Withdrawal.Status.REJECTED:
        messages.warning(request, _("Withdrawal of %(amount)s was rejected: %(reason)s. "
                                    "The money is back in your available balance.")
                         % {"amount": format_money(w.amount_cents), "reason": w.reason})


@tenant_view(role=Role.OWNER)
@require_POST
def wallet_withdraw(request: HttpRequest) -> HttpResponse:
    form = WithdrawalForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.withdrawal_request(tenant=request.tenant, actor=request.user,
                                        amount_cents=data["amount"],
                                        pix_key_type=data["pix_key_type"],
                                        pix_key=data["pix_key"])
        except services.WalletError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Withdrawal of %(amount)s requested. We will let you "
                                        "know here when it is paid.")
                             % {"amount": format_money(data["amount"])})
            return redirect("portal:wallet", slug=request.tenant.slug)
    return _wallet_page(request, form=form)


@tenant_view(role=Role.OWNER)
@require_POST
def wallet_withdrawal_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    withdrawal = get_for_tenant_or_404(Withdrawal, tenant=request.tenant, pk=pk)
    if withdrawal.payee:  # an affiliate's withdrawal is theirs to cancel, not the owner's
        raise Http404
    try:
        services.withdrawal_cancel(withdrawal=withdrawal, actor=request.user)
    except services.WalletError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Withdrawal cancelled; the money is available again."))
    return redirect("portal:wallet", slug=request.tenant.slug)


@tenant_view()
def wallet_statement(request: HttpRequest) -> HttpResponse:
    form = StatementFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = selectors.statement(tenant=request.tenant,
                                  **{k: v for k, v in filters.items() if v})
    if request.GET.get("format") == "csv":
        return _statement_csv(request, entries)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    filtered = any(filters.values())
    return render(request, "portal/wallet/statement.html",
                  {"form": form, "page": page, "filtered": filtered})


def _statement_csv(request: HttpRequest, entries) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{request.tenant.slug}-statement-{date.today().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow([_("Date"), _("Type"), _("Balance"), _("Amount"), _("Reference"),
                     _("Description")])
    for e in entries.iterator(chunk_size=2000):
        writer.writerow([e.created_at.isoformat(), e.transaction.get_kind_display(),
                         e.account.get_kind_display(), f"{e.signed / 100:.2f}",
                         e.transaction.key, e.transaction.memo])
    return response


def daily_chart(points: list[tuple[date, int]]) -> dict:
    """Bars for an inline SVG, drawn server-side: no chart library, no CDN."""
    peak = max((abs(cents) for _day, cents in points), default=0) or 1
    has_negative = any(cents < 0 for _day, cents in points)
    base = CHART_H / 2 if has_negative else CHART_H - 4
    scale = (base - 6) / peak
    step = CHART_W / max(len(points), 1)
    bars = []
    for i, (day, cents) in enumerate(points):
        height = max(abs(cents) * scale, 2 if cents else 0)
        bars.append({"x": round(i * step + step * 0.15, 1), "w": round(step * 0.7, 1),
                     "y": round(base - height if cents >= 0 else base, 1),
                     "h": round(height, 1), "negative": cents < 0,
                     "title": f"{date_format(day, 'SHORT_DATE_FORMAT')}: {format_money(cents)}"})
    return {"w": CHART_W, "h": CHART_H, "base": round(base, 1), "bars": bars,
            "total": sum(cents for _day, cents in points), "peak": peak if any(
                cents for _day, cents in points) else 0,
            "first": points[0][0] if points else None, "last": points[-1][0] if points else None}
