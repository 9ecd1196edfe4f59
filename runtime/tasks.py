"""Controller tasks (queue "runtime" by the settings' route). Thin: take an id, call one function.

Start, stop and restart all converge to what the database says when they run, so they are
idempotent and the last request wins; `sync_tenant` holds the tenant's row lock (one at a time).
"""

from __future__ import annotations

from celery import shared_task

from runtime import controller
from runtime.selectors import record_bot_states

_options = {"soft_time_limit": 60, "time_limit": 90, "acks_late": True,
            "autoretry_for": (), "max_retries": 0}


@shared_task(**_options)
def runtime_sync(tenant_id: int) -> None:
    controller.sync_tenant(tenant_id)


@shared_task(**_options)
def runtime_start(tenant_id: int) -> None:
    controller.sync_tenant(tenant_id)


@shared_task(**_options)
def runtime_stop(tenant_id: int) -> None:
    controller.sync_tenant(tenant_id)


@shared_task(**_options)
def runtime_restart_task(tenant_id: int) -> None:
    controller.sync_tenant(tenant_id)


@shared_task(soft_time_limit=25, time_limit=29, expires=25)
def runtime_reconcile() -> dict:
    # Expires before the next beat: passes never pile up behind a slow engine.
    result = controller.run_pass()
    record_bot_states()
    return {"tenants": result.tenants, "synced": result.synced,
            "engine_calls": result.engine_calls, "engine_ok": result.engine_ok,
            "snapshots": result.snapshots}


@shared_task(soft_time_limit=10, time_limit=15, expires=10, ignore_result=True)
def runtime_engine_check() -> None:
    # Asked for by the diagnostics page, which reads the EngineReport row this writes.
    controller.engine_check()
