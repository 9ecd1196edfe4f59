"""Thin Celery tasks of the SMM app (default queue)."""

from __future__ import annotations

from celery import shared_task

from smm import services


@shared_task(time_limit=110, soft_time_limit=100)
def status_sweep() -> int:
    """Beat, every minute: claim the panel orders (and refills) whose check is due and check
    them one shop at a time. Nothing is checked before its `next_check_at`."""
    orders = services.orders_claim_due()
    for tenant_id, ids in orders.items():
        check.delay(tenant_id, ids)
    refills = services.refills_claim_due()
    for tenant_id, ids in refills.items():
        check_refills.delay(tenant_id, ids)
    return sum(map(len, orders.values())) + sum(map(len, refills.values()))


@shared_task(time_limit=280, soft_time_limit=270)
def check(tenant_id: int, ids: list[int]) -> dict[str, int]:
    return services.orders_check(tenant_id=tenant_id, ids=ids)


@shared_task(time_limit=120, soft_time_limit=110)
def check_refills(tenant_id: int, ids: list[int]) -> int:
    return services.refills_check(tenant_id=tenant_id, ids=ids)


@shared_task(time_limit=120, soft_time_limit=110)
def refund(tenant_id: int, panel_order_id: int) -> str:
    return services.refund_run(tenant_id=tenant_id, panel_order_id=panel_order_id)


@shared_task(time_limit=60, soft_time_limit=50)
def cancel(tenant_id: int, ids: list[int]) -> dict[str, bool]:
    return services.orders_cancel(tenant_id=tenant_id, ids=ids)


@shared_task(time_limit=60, soft_time_limit=50)
def balance(tenant_id: int) -> str:
    """The owner saved the panel: read its balance now (also proves the URL and key)."""
    panel = services.panel_of(tenant_id)
    if panel is None:
        return "skipped"
    return "ok" if services.balance_check(panel=panel, force=True) is not None else "failed"
