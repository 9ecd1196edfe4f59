from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from audit.admin import action_with_reason
from runtime import selectors, services
from runtime.models import BotRuntime, BotSnapshot, Desired
from tenants.admin import TenantScopedAdmin


@admin.register(BotRuntime)
class BotRuntimeAdmin(TenantScopedAdmin):
    list_display = ("tenant_link", "observed_state", "desired_state", "reason_short",
                    "restart_count", "last_exit_code", "oom_killed", "last_heartbeat_at",
                    "gateway_latency_ms", "container_short")
    list_filter = ("observed_state", "desired_state", "oom_killed")
    search_fields = ("tenant__name", "tenant__slug", "container_id")
    actions = ["bulk_start", "bulk_stop", "bulk_restart"]
    exclude = ("discord_token", "instance_token")
    readonly_fields = ("tenant", "observed_state", "observed_at", "reason", "container_id",
                       "spec_hash", "started_at", "restart_count", "consecutive_failures",
                       "starts_today", "starts_day", "next_start_at", "last_exit_code",
                       "last_exit_at", "last_exit_ref", "oom_killed", "last_heartbeat_at",
                       "gateway_latency_ms", "bot_version", "desired_by", "desired_at",
                       "generation", "restart_requested", "restart_done",
                       "instance_token_lookup", "desired_state", "desired_reason",
                       "snapshot_taken_at", "snapshot_figures", "snapshot_log")

    # Logs and figures come from the controller's snapshot: the admin never asks the engine.
    def _snapshot(self, obj: BotRuntime) -> BotSnapshot | None:
        if not hasattr(obj, "_snapshot_cache"):
            obj._snapshot_cache = selectors.snapshot_get(tenant=obj.tenant)
        return obj._snapshot_cache

    @admin.display(description=_("snapshot taken at"))
    def snapshot_taken_at(self, obj: BotRuntime) -> str:
        snapshot = self._snapshot(obj)
        if snapshot is None:
            return _("No snapshot yet (the runtime worker records one on each pass).")
        if snapshot.engine_ok:
            return date_format(localtime(snapshot.taken_at), "DATETIME_FORMAT")
        return _("%(when)s (the engine did not answer on the last pass)") % {
            "when": date_format(localtime(snapshot.taken_at), "DATETIME_FORMAT")}

    @admin.display(description=_("memory and CPU"))
    def snapshot_figures(self, obj: BotRuntime) -> str:
        snapshot = self._snapshot(obj)
        if snapshot is None or not snapshot.running or snapshot.memory_bytes is None:
            return "—"
        memory = round(snapshot.memory_bytes / 1048576, 1)
        cpu = "—" if snapshot.cpu_percent is None else f"{snapshot.cpu_percent:.1f}%"
        return _("%(memory)s MB · CPU %(cpu)s") % {"memory": memory, "cpu": cpu}

    @admin.display(description=_("last log lines"))
    def snapshot_log(self, obj: BotRuntime) -> str:
        snapshot = self._snapshot(obj)
        return format_html('<pre style="max-height:360px;overflow:auto;white-space:pre-wrap">'
                           "{}</pre>", snapshot.log_tail if snapshot else "")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return selectors.runtimes_failing_first()

    @admin.display(description=_("instance"), ordering="tenant__name")
    def tenant_link(self, obj: BotRuntime) -> str:
        url = reverse("admin:tenants_tenant_change", args=[obj.tenant_id])
        return format_html('<a href="{}">{}</a>', url, obj.tenant.name)

    @admin.display(description=_("reason"))
    def reason_short(self, obj: BotRuntime) -> str:
        return (obj.reason[:80] + "…") if len(obj.reason) > 80 else obj.reason

    @admin.display(description=_("container"))
    def container_short(self, obj: BotRuntime) -> str:
        return obj.container_id[:12]

    @admin.action(description=_("Restart the selected bots"))
    def bulk_restart(self, request: HttpRequest, queryset: QuerySet) -> None:
        done, refused = 0, 0
        for runtime in queryset.select_related("tenant"):
            try:
                services.runtime_restart(tenant=runtime.tenant, reason="admin bulk restart",
                                         actor=request.user)
                done += 1
            except services.RuntimeServiceError:
                refused += 1
        self.message_user(request, _("%(done)d restarted, %(refused)d refused (no token or "
                                     "suspended).") % {"done": done, "refused": refused},
                          messages.SUCCESS if not refused else messages.WARNING)

    @action_with_reason(_("Start the selected bots"))
    def bulk_start(self, request: HttpRequest, queryset: QuerySet, reason: str) -> str:
        return _set_desired(request, queryset, Desired.RUNNING, reason)

    @action_with_reason(_("Stop the selected bots"))
    def bulk_stop(self, request: HttpRequest, queryset: QuerySet, reason: str) -> str:
        return _set_desired(request, queryset, Desired.STOPPED, reason)


def _set_desired(request: HttpRequest, queryset: QuerySet, state: str, reason: str) -> str:
    done, refused = 0, []
    for runtime in queryset.select_related("tenant"):
        try:
            services.runtime_set_desired(tenant=runtime.tenant, state=state, actor=request.user,
                                         reason=f"operator: {reason}")
            done += 1
        except services.RuntimeServiceError as exc:
            refused.append(f"{runtime.tenant.name}: {exc}")
    message = _("%(done)d bot(s) updated.") % {"done": done}
    return message + (" " + "; ".join(refused) if refused else "")
