from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """For append-only records (audit, ledger): viewable, never edited or deleted."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "actor", "tenant", "target")
    list_filter = ("action",)
    list_select_related = ("actor", "tenant")
    search_fields = ("action", "target_repr", "target_id")
    date_hierarchy = "created_at"

    @admin.display(description=_("target"), ordering="target_repr")
    def target(self, obj: AuditEvent) -> str:
        # Written once, in the language active then: shown as recorded, not as page text.
        return format_html('<span translate="no">{}</span>', obj.target_repr)


def action_with_reason(description: str, *, permission: str = "change") -> Callable:
    """An admin action that first asks the operator why, then runs with that reason.

    Actions that change money or access must say why (the reason lands in the audit log). The
    intermediate page is Django's own admin look; POSTing without a reason shows it again.
    """

    def decorator(run: Callable[[Any, HttpRequest, QuerySet, str], str]) -> Callable:
        @admin.action(description=description, permissions=[permission])
        @wraps(run)
        def action(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> Any:
            reason = request.POST.get("reason", "").strip()[:300]
            if request.POST.get("confirmed") and reason:
                message = run(modeladmin, request, queryset, reason)
                modeladmin.message_user(request, message, messages.SUCCESS)
                return None
            context = {**modeladmin.admin_site.each_context(request), "title": description,
                       "queryset": queryset, "action": request.POST.get("action", ""),
                       "opts": modeladmin.model._meta, "missing": bool(
                           request.POST.get("confirmed")),
                       "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)}
            return TemplateResponse(request, "admin/action_reason.html", context)

        return action

    return decorator
