"""Writes for the runtime: what should run (desired), secrets and limits, heartbeats.

`runtime_set_desired(*, tenant, state, reason, actor=None)` is the contract the portal, billing
and admin use (DESIGN.md, Contracts). Every request bumps `generation` under the row lock, so
with concurrent clicks the last committed request is the final desired state; the controller
task enqueued on commit converges to whatever the row says when it runs.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from runtime.models import BotRuntime, Desired, Observed
from tenants.models import Tenant


class RuntimeServiceError(ValueError):
    """A request the rules refuse; the message is shown to the user as is."""




def runtime_for(*, tenant: Tenant, lock: bool = False) -> BotRuntime:
    """The tenant's runtime row, created on first use."""
    BotRuntime.objects.get_or_create(tenant=tenant)
    queryset = BotRuntime.objects.for_tenant(tenant)
    if lock:
        queryset = queryset.select_for_update()
    return queryset.select_related("tenant").get()


def runtime_reconcile_soon(*, tenant: Tenant) -> None:
    """Something the controller's plan depends on changed (the shop was suspended or resumed):
    reconcile this shop after the commit instead of waiting for the next beat pass. The owner's
    desired state is left as it is, so a resumed shop's bot comes back only if it was wanted."""
    _enqueue("runtime_sync", tenant.pk)


def _enqueue(task_name: str, tenant_id: int) -> None:
    from runtime import tasks

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: task.delay(tenant_id))


def _release_hold(runtime: BotRuntime) -> None:
    """The owner acted: a crash loop or misconfiguration gets a fresh series of attempts."""
    runtime.consecutive_failures = 0
    runtime.next_start_at = None
    if runtime.observed_state in (Observed.CRASHLOOPING, Observed.MISCONFIGURED):
        runtime.observed_state, runtime.reason = Observed.EXITED, ""
        runtime.starts_today = 0


@transaction.atomic
def runtime_set_desired(*, tenant: Tenant, state: str, reason: str,
                        actor=None) -> BotRuntime:
    if state not in Desired.values:
        raise RuntimeServiceError(_("Unknown bot state."))
    runtime = runtime_for(tenant=tenant, lock=True)
    if state == Desired.RUNNING:
        if tenant.status == Tenant.Status.SUSPENDED:
            raise RuntimeServiceError(_("Your plan is suspended, so the bot cannot start. Renew "
                                        "the plan and it starts again."))
        if not runtime.discord_token:
            raise RuntimeServiceError(_("Add your bot's Discord token first (Discord Developer "
                                        "Portal → your application → Bot → Reset Token)."))
        _release_hold(runtime)
    before = runtime.desired_state
    runtime.desired_state, runtime.desired_reason = state, reason[:200]
    runtime.desired_by = actor if getattr(actor, "pk", None) else None
    runtime.desired_at = timezone.now()
    runtime.generation += 1
    runtime.save()
    audit.record(actor=actor, tenant=tenant, action="runtime.set_desired", target=runtime,
                 data={"before": before, "after": state, "reason": reason[:200],
                       "generation": runtime.generation})
    _enqueue("runtime_start" if state == Desired.RUNNING else "runtime_stop", tenant.pk)
    return runtime


@transaction.atomic
def runtime_restart(*, tenant: Tenant, reason: str, actor=None) -> BotRuntime:
    runtime = runtime_for(tenant=tenant, lock=True)
    if runtime.desired_state != Desired.RUNNING:
        return runtime_set_desired(tenant=tenant, state=Desired.RUNNING, reason=reason,
                                   actor=actor)
    if not runtime.discord_token:
        raise RuntimeServiceError(_("Add your bot's Discord token first."))
    _release_hold(runtime)
    runtime.restart_requested += 1
    runtime.generation += 1
    runtime.save()
    audit.record(actor=actor, tenant=tenant, action="runtime.restart", target=runtime,
                 data={"reason": reason[:200]})
    _enqueue("runtime_restart_task", tenant.pk)
    return runtime


@transaction.atomic
def runtime_set_discord_token(*, tenant: Tenant, token: str, actor=None) -> BotRuntime:
    token = token.strip()
    if len(token) < 20 or any(c.isspace() for c in token):
        raise RuntimeServiceError(_("That does not look like a Discord bot token. Copy it again "
                                    "from Developer Portal → Bot → Reset Token."))
    runtime = runtime_for(tenant=tenant, lock=True)
    runtime.discord_token = token
    _release_hold(runtime)
    runtime.save()
    # The token itself never enters the audit trail or the logs.
    audit.record(actor=actor, tenant=tenant, action="runtime.set_token", target=runtime,
                 data={"suffix": token[-4:]})
    _enqueue("runtime_sync", tenant.pk)
    return runtime


@transaction.atomic
def runtime_set_limits(*, tenant: Tenant, memory_mb: int, cpu_millis: int, pids_limit: int,
                       actor=None) -> BotRuntime:
    if not (32 <= memory_mb <= 4096 and 50 <= cpu_millis <= 4000 and 16 <= pids_limit <= 4096):
        raise RuntimeServiceError(_("Limits out of range."))
    runtime = runtime_for(tenant=tenant, lock=True)
    before = [runtime.memory_mb, runtime.cpu_millis, runtime.pids_limit]
    runtime.memory_mb, runtime.cpu_millis, runtime.pids_limit = memory_mb, cpu_millis, pids_limit
    runtime.save()
    audit.record(actor=actor, tenant=tenant, action="runtime.set_limits", target=runtime,
                 data={"before": before, "after": [memory_mb, cpu_millis, pids_limit]})
    _enqueue("runtime_sync", tenant.pk)  # a new spec hash: recreated once
    return runtime


def runtime_heartbeat(*, tenant: Tenant, latency_ms: int | None, version: str = "") -> None:
    """The bot reports in. One UPDATE; not audited (it is not a change anyone made)."""
    now = timezone.now()
    latency = None if latency_ms is None else max(0, min(int(latency_ms), 600_000))
    BotRuntime.objects.get_or_create(tenant=tenant)
    queryset = BotRuntime.objects.for_tenant(tenant)
    queryset.update(last_heartbeat_at=now, gateway_latency_ms=latency, bot_version=version[:40])
    queryset.filter(desired_state=Desired.RUNNING,
                    observed_state__in=[Observed.STARTING, Observed.UNHEALTHY]).update(
        observed_state=Observed.RUNNING, reason="", observed_at=now)
