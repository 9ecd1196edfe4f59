"""Thin Celery tasks: each calls one growth service. Discord work goes to the "fulfillment"
queue (routes in config/settings.py match growth.tasks.* too)."""

from __future__ import annotations

from celery import shared_task

from growth.services import events, feed, recovery, roles, welcome
from sales.fulfillment.discord_rest import DiscordError


@shared_task(time_limit=60, soft_time_limit=50)
def recovery_sweep() -> int:
    return recovery.recovery_enqueue_due()


@shared_task(time_limit=90, soft_time_limit=80)
def recovery_send(tenant_id: int, recovery_id: int) -> str:
    return recovery.recovery_send(tenant_id=tenant_id, recovery_id=recovery_id)


@shared_task(bind=True, max_retries=5, time_limit=120, soft_time_limit=110)
def feed_flush(self, tenant_id: int) -> int:
    try:
        return feed.feed_flush(tenant_id=tenant_id)
    except DiscordError as exc:  # retryable only: permanent ones are recorded by the service
        raise self.retry(countdown=feed.FEED_BATCH_SECONDS * (self.request.retries + 1)) \
            from exc


@shared_task(time_limit=60, soft_time_limit=50)
def feed_sweep() -> int:
    waiting = feed.feeds_waiting()
    for tenant_id in waiting:
        feed_flush.delay(tenant_id)
    return len(waiting)


@shared_task(bind=True, max_retries=len(roles.RETRY_SECONDS), time_limit=90,
             soft_time_limit=80)
def role_grant(self, tenant_id: int, grant_id: int) -> str:
    outcome = roles.role_apply(tenant_id=tenant_id, grant_id=grant_id)
    if outcome == "retry":
        raise self.retry(countdown=roles.RETRY_SECONDS[min(self.request.retries,
                                                           len(roles.RETRY_SECONDS) - 1)])
    return outcome


@shared_task(time_limit=60, soft_time_limit=50)
def welcome_send(tenant_id: int, welcome_id: int) -> str:
    return welcome.welcome_send(tenant_id=tenant_id, welcome_id=welcome_id)


@shared_task(time_limit=600, soft_time_limit=570)
def events_rollup() -> int:
    return events.events_rollup()
