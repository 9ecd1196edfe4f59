"""Thin Celery tasks of the developer app."""

from __future__ import annotations

from celery import shared_task

from developer import webhooks


@shared_task(time_limit=60, soft_time_limit=50)
def send(tenant_id: int, delivery_id: int, claimed: bool = False) -> str:
    return webhooks.delivery_send(tenant_id=tenant_id, delivery_id=delivery_id, claimed=claimed)


@shared_task(time_limit=110, soft_time_limit=100)
def sweep() -> int:
    """Beat: webhook deliveries whose next attempt is due (retries, lost enqueues)."""
    due = webhooks.deliveries_claim_due()
    for tenant_id, pk in due:
        send.delay(tenant_id, pk, True)  # claimed here: the task does not claim again
    return len(due)
