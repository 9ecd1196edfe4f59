"""Thin Celery tasks for trust: the review DM and channel post (fulfillment queue, Discord REST
with the shop's token: a platform job, so it works while the shop's bot restarts) and sweeps."""

from __future__ import annotations

from celery import shared_task

from sales.fulfillment.discord_rest import DiscordError
from trust import discord, services


@shared_task(bind=True, max_retries=5, time_limit=60, soft_time_limit=50)
def review_request_send(self, tenant_id: int, request_id: int) -> str:
    try:
        return discord.review_request_send(tenant_id=tenant_id, request_id=request_id)
    except DiscordError as exc:
        raise self.retry(countdown=60 * (self.request.retries + 1), exc=exc) from None


@shared_task(bind=True, max_retries=5, time_limit=60, soft_time_limit=50)
def review_publish(self, tenant_id: int, review_id: int) -> str:
    try:
        return discord.review_publish(tenant_id=tenant_id, review_id=review_id)
    except DiscordError as exc:
        raise self.retry(countdown=60 * (self.request.retries + 1), exc=exc) from None


@shared_task(time_limit=120, soft_time_limit=110)
def blocks_expire() -> int:
    return services.blocks_expire()


@shared_task(time_limit=120, soft_time_limit=110)
def review_sweep() -> int:
    """Review requests that came due (or whose enqueue was lost) go out now."""
    return discord.review_requests_due()
