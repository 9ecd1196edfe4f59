"""Operators' wallet: the withdrawal queue, per-tenant ledgers and platform totals.

The ledger itself is read-only here (append-only rows). Deciding withdrawals needs the
`wallet.change_withdrawal` permission: "monitor" operators (view permissions only, see
admin_panel/roles.py) see the queue and totals but get no buttons, and a POST from them is a 403.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from audit.admin import ReadOnlyAdmin
from money import format_money
from tenants.admin import TenantScopedAdmin
from wallet import selectors, services
from wallet.models import Account, Entry, Hold, LedgerTransaction, Withdrawal


class LedgerReadOnlyAdmin(ReadOnlyAdmin, TenantScopedAdmin):
    """Cross-tenant (operators) and read-only (append-only ledger)."""


@admin.register(Account)
class AccountAdmin(LedgerReadOnlyAdmin):
    list_display = ("__str__", "tenant", "kind", "balance", "entries_link")
    list_filter = ("kind", ("tenant", admin.EmptyFieldListFilter))
    list_select_related = ("tenant",)
    search_fields = ("tenant__name", "tenant__slug")

    @admin.display(description=gettext_lazy("balance"), ordering="balance_cents")
    def balance(self, obj: Account) -> str:
        return format_money(obj.balance_cents)

    @admin.display(description=gettext_lazy("entries"))
    def entries_link(self, obj: Account) -> str:
        url = reverse("admin:wallet_entry_changelist") + f"?account__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Statement"))


class EntryInline(admin.TabularInline):
    model = Entry
    extra = 0
    can_delete = False
    fields = ("account", "side", "amount_cents")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).unscoped().select_related("account__tenant")


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(LedgerReadOnlyAdmin):
    list_display = ("created_at", "key", "kind", "tenant", "memo")
    list_filter = ("kind",)
    list_select_related = ("tenant",)
    search_fields = ("key", "tenant__slug", "tenant__name")
    date_hierarchy = "created_at"
    inlines = [EntryInline]


@admin.register(Entry)
class EntryAdmin(LedgerReadOnlyAdmin):
    """The per-tenant ledger view: filter by instance (search) and account."""

    list_display = ("created_at", "tenant", "account", "transaction", "side", "amount")
    list_filter = ("account__kind", "side", "transaction__kind")
    list_select_related = ("tenant", "account__tenant", "transaction")
    search_fields = ("tenant__slug", "tenant__name", "transaction__key")
    date_hierarchy = "created_at"

    @admin.display(description=gettext_lazy("amount"), ordering="amount_cents")
    def amount(self, obj: Entry) -> str:
        return format_money(obj.amount_cents)


@admin.register(Hold)
class HoldAdmin(LedgerReadOnlyAdmin):
    list_display = ("transaction", "tenant", "method", "amount_cents", "remaining_cents",
                    "release_at", "released_at")
    list_filter = ("method", ("released_at", admin.EmptyFieldListFilter))
    list_select_related = ("tenant", "transaction")
    search_fields = ("tenant__slug", "transaction__key")


@admin.register(Withdrawal)
class WithdrawalAdmin(TenantScopedAdmin):
    change_list_template = "wallet/admin/withdrawal_change_list.html"
    list_display = ("created_at", "tenant", "amount", "pix_key_type", "pix_key", "status",
                    "decided_at", "reference")
    list_filter = ("status", "pix_key_type")
    list_select_related = ("tenant",)
    search_fields = ("tenant__slug", "tenant__name", "pix_key", "reference")
    ordering = ("created_at", "id")
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [f.name for f in Withdrawal._meta.fields]  # decisions go through the queue

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("amount"), ordering="amount_cents")
    def amount(self, obj: Withdrawal) -> str:
        return format_money(obj.amount_cents)

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("queue/", wrap(self.queue_view), name="wallet_withdrawal_queue"),
            path("totals/", wrap(self.totals_view), name="wallet_totals"),
            path("<int:pk>/approve/", wrap(require_POST(self.approve_view)),
                 name="wallet_withdrawal_approve"),
            path("<int:pk>/reject/", wrap(require_POST(self.reject_view)),
                 name="wallet_withdrawal_reject"),
            *super().get_urls(),
        ]

    def _context(self, request: HttpRequest, title: str) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.model._meta,
                "title": title, "can_decide": self.has_change_permission(request)}

    def queue_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        queue = list(selectors.withdrawal_queue())
        context = self._context(request, _("Withdrawal queue"))
        context |= {"queue": queue, "total": sum(w.amount_cents for w in queue)}
        return TemplateResponse(request, "wallet/admin/queue.html", context)

    def totals_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = self._context(request, _("Platform money"))
        context["totals"] = selectors.platform_totals()
        return TemplateResponse(request, "wallet/admin/totals.html", context)

    def _decide(self, request: HttpRequest, pk: int, action) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        withdrawal = get_object_or_404(Withdrawal.objects.unscoped(), pk=pk)
        try:
            action(withdrawal)
        except services.WalletError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Withdrawal #%(pk)s: %(status)s.")
                             % {"pk": pk, "status": Withdrawal.objects.unscoped()
                                .get(pk=pk).get_status_display()})
        return redirect("admin:wallet_withdrawal_queue")

    def approve_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._decide(request, pk, lambda w: services.withdrawal_approve(
            withdrawal=w, actor=request.user, reference=request.POST.get("reference", "")))

    def reject_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._decide(request, pk, lambda w: services.withdrawal_reject(
            withdrawal=w, actor=request.user, reason=request.POST.get("reason", "")))
