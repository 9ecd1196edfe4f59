"""The bot instance page: state, last error, Start/Stop/Restart, logs, memory and CPU.

Thin: access through `tenant_view`, writes through `runtime.services`, reads through
`runtime.selectors`. Logs, memory and CPU come from the snapshot the runtime worker records on
each reconcile pass (the web has no engine socket): the page says when it was taken.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from runtime import selectors, services
from runtime.models import BotRuntime, BotSnapshot, Desired, Observed
from tenants.access import tenant_view
from tenants.models import Role

BADGES = {
    Observed.RUNNING: "badge-ok", Observed.STARTING: "badge-brand",
    Observed.UNHEALTHY: "badge-warn", Observed.EXITED: "badge-warn",
    Observed.UNKNOWN: "badge-warn", Observed.SUSPENDED: "badge-warn",
    Observed.CRASHLOOPING: "badge-danger", Observed.MISCONFIGURED: "badge-danger",
    Observed.STOPPED: "",
}
LIVE = (Observed.RUNNING, Observed.STARTING, Observed.UNHEALTHY)


def _context(request: HttpRequest) -> dict:
    runtime = selectors.runtime_get(tenant=request.tenant) or BotRuntime(tenant=request.tenant)
    snapshot = selectors.snapshot_get(tenant=request.tenant)
    live = runtime.observed_state in LIVE
    uptime = timezone.now() - runtime.started_at if runtime.started_at and live else None
    # Figures of a bot that has stopped since the snapshot would be stale: shown only while live.
    stats = snapshot if snapshot and snapshot.running and live else None
    return {
        "runtime": runtime, "badge": BADGES.get(Observed(runtime.observed_state), ""),
        "snapshot": snapshot, "uptime": uptime,
        "can_act": request.membership.allows(Role.MANAGER),
        "is_owner": request.membership.allows(Role.OWNER),
        "memory_mb": round(stats.memory_bytes / 1048576, 1) if stats and stats.memory_bytes
        else None,
        "cpu": round(stats.cpu_percent, 1) if stats and stats.cpu_percent is not None else None,
        "logs": _logs(snapshot),
    }


def _logs(snapshot: BotSnapshot | None) -> str | None:
    """The recorded log tail; None when the engine could not be read on the last pass."""
    if snapshot is None:
        return ""
    if not snapshot.engine_ok and not snapshot.log_tail:
        return None
    return snapshot.log_tail


@tenant_view()
@require_GET
def bot_instance(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/runtime/instance.html", _context(request))


@tenant_view()
@require_GET
def bot_logs(request: HttpRequest) -> HttpResponse:
    snapshot = selectors.snapshot_get(tenant=request.tenant)
    return render(request, "portal/runtime/_logs.html",
                  {"logs": _logs(snapshot), "snapshot": snapshot})


@tenant_view(role=Role.MANAGER)
@require_POST
def bot_action(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action", "")
    try:
        if action == "start":
            services.runtime_set_desired(tenant=request.tenant, state=Desired.RUNNING,
                                         reason=_("started in the portal"), actor=request.user)
            messages.success(request, _("Starting your bot; this takes a few seconds."))
        elif action == "stop":
            services.runtime_set_desired(tenant=request.tenant, state=Desired.STOPPED,
                                         reason=_("stopped in the portal"), actor=request.user)
            messages.success(request, _("Stopping your bot."))
        elif action == "restart":
            services.runtime_restart(tenant=request.tenant, reason=_("restarted in the portal"),
                                     actor=request.user)
            messages.success(request, _("Restarting your bot."))
        else:
            messages.error(request, _("Unknown action."))
    except services.RuntimeServiceError as exc:
        messages.error(request, str(exc))
    return redirect("portal:bot", slug=request.tenant.slug)


@tenant_view(role=Role.OWNER)
@require_POST
def bot_token(request: HttpRequest) -> HttpResponse:
    try:
        services.runtime_set_discord_token(tenant=request.tenant,
                                           token=request.POST.get("token", ""),
                                           actor=request.user)
        messages.success(request, _("Bot token saved. It is stored encrypted and never shown "
                                    "again."))
    except services.RuntimeServiceError as exc:
        messages.error(request, str(exc))
    return redirect("portal:bot", slug=request.tenant.slug)
