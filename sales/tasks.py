"""Thin Celery tasks: call one service each (routes: settings.CELERY_TASK_ROUTES).

`deliver*` and `role_*` run on the "fulfillment" queue. Retries are explicit: a service returns
an Outcome with a countdown and the task re-schedules itself; claims make re-runs harmless.
"""

from __future__ import annotations

from celery import shared_task

from sales.fulfillment import notices, reminders
from sales.fulfillment import services as fulfillment
from sales.services import sweeps


@shared_task(time_limit=60, soft_time_limit=50)
def sweep_carts() -> int:
    return sweeps.carts_expire()


@shared_task(time_limit=110, soft_time_limit=100)
def sweep_orders() -> int:
    return sweeps.orders_expire()


@shared_task(time_limit=600, soft_time_limit=570)
def deliver_order(tenant_id: int, order_id: int) -> list[str]:
    """Perform each pending delivery of a paid order; failures retry one by one."""
    results = []
    for delivery_id in fulfillment.order_deliveries_pending(tenant_id=tenant_id,
                                                            order_id=order_id):
        outcome = fulfillment.delivery_run(tenant_id=tenant_id, delivery_id=delivery_id)
        if outcome.result == "retry":
            deliver_delivery.apply_async((tenant_id, delivery_id), countdown=outcome.countdown)
        results.append(outcome.result)
    if not results:
        # A redelivered task (its worker was killed after the last delivery finished, before
        # the order was settled) finds nothing pending: it settles the order (or does nothing).
        fulfillment.order_settle(tenant_id=tenant_id, order_id=order_id)
    return results


@shared_task(bind=True, max_retries=len(fulfillment.BACKOFF), time_limit=180,
             soft_time_limit=170)
def deliver_delivery(self, tenant_id: int, delivery_id: int) -> str:
    outcome = fulfillment.delivery_run(tenant_id=tenant_id, delivery_id=delivery_id)
    if outcome.result == "retry":
        raise self.retry(countdown=outcome.countdown, max_retries=None)
    return outcome.result


@shared_task(bind=True, max_retries=3, time_limit=180, soft_time_limit=170)
def deliver_again(self, tenant_id: int, delivery_id: int) -> str:
    outcome = fulfillment.delivery_send_again(tenant_id=tenant_id, delivery_id=delivery_id)
    if outcome.result == "retry":
        raise self.retry(countdown=outcome.countdown)
    return outcome.result


@shared_task(time_limit=110, soft_time_limit=100)
def deliver_sweep() -> int:
    """Beat: re-enqueue deliveries whose after-commit enqueue was lost or whose worker died."""
    left = fulfillment.deliveries_left_behind() + fulfillment.deliveries_stale()
    for tenant_id, delivery_id in left:
        deliver_delivery.delay(tenant_id, delivery_id)
    # Orders whose deliveries all finished but were never settled (worker and task lost).
    unsettled = fulfillment.orders_unsettled()
    for tenant_id, order_id in unsettled:
        fulfillment.order_settle(tenant_id=tenant_id, order_id=order_id)
    return len(left) + len(unsettled)


@shared_task(time_limit=110, soft_time_limit=100)
def role_expiry_sweep() -> int:
    """Beat: timed roles that ended, and refunded ones not removed yet, are removed."""
    due = fulfillment.roles_expire()
    for tenant_id, delivery_id in due:
        role_revoke.delay(tenant_id, delivery_id)
    return len(due)


@shared_task(time_limit=120, soft_time_limit=110)
def role_revoke(tenant_id: int, delivery_id: int) -> str:
    # A retryable failure puts the row back in "revoke"; the next sweep tries again.
    return fulfillment.role_revoke_run(tenant_id=tenant_id, delivery_id=delivery_id).result


@shared_task(time_limit=300, soft_time_limit=280)
def role_revoke_order(tenant_id: int, order_id: int) -> list[str]:
    """A refund or chargeback: remove the order's roles at once."""
    return [fulfillment.role_revoke_run(tenant_id=tenant_id, delivery_id=pk).result
            for pk in fulfillment.order_revokes_pending(tenant_id=tenant_id, order_id=order_id)]


@shared_task(bind=True, max_retries=3, time_limit=60, soft_time_limit=50)
def deliver_payment_notice(self, tenant_id: int, order_id: int, outcome: str) -> str:
    """Tell the buyer their PIX expired or was cancelled (best effort, a few retries)."""
    try:
        return fulfillment.payment_notice_send(tenant_id=tenant_id, order_id=order_id,
                                               outcome=outcome)
    except fulfillment.discord_rest.DiscordError as exc:
        raise self.retry(countdown=60, exc=exc) from None


@shared_task(bind=True, max_retries=3, time_limit=60, soft_time_limit=50)
def deliver_staff_notice(self, tenant_id: int, kind: str, ref_id: int,
                         data: dict | None = None) -> str:
    """Post a notice in the shop's log channel (best effort, a few retries)."""
    try:
        return notices.staff_notice_send(tenant_id=tenant_id, kind=kind, ref_id=ref_id,
                                         data=data)
    except fulfillment.discord_rest.DiscordError as exc:
        raise self.retry(countdown=60, exc=exc) from None


@shared_task(time_limit=110, soft_time_limit=100)
def role_reminder_sweep() -> int:
    """Beat: timed roles ending within a day get their "renew with /loja" DM."""
    due = reminders.role_reminders_due()
    for tenant_id, delivery_id in due:
        role_remind.delay(tenant_id, delivery_id)
    return len(due)


@shared_task(time_limit=60, soft_time_limit=50)
def role_remind(tenant_id: int, delivery_id: int) -> str:
    # Sent at most once (claimed by reminded_at); a transient failure waits for the next sweep.
    return reminders.role_reminder_send(tenant_id=tenant_id, delivery_id=delivery_id)
