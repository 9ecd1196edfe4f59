"""Discord side effects of memberships as platform jobs (DESIGN.md rule 2): role grants and
removals and the DMs, written in the state change's transaction and run by the fulfillment
queue through sales.fulfillment's Discord REST wrapper, so they happen while the shop's bot
container restarts too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import structlog
from celery import current_app
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from memberships.models import Member, MemberJob
from sales.fulfillment import discord_rest
from sales.fulfillment.buyer import bot_token

log = structlog.get_logger(__name__)
J = MemberJob.State
MAX_ATTEMPTS = 5
# Removing a role the member no longer has, or from someone who left, is already done.
GONE = (discord_rest.UNKNOWN_MEMBER, discord_rest.UNKNOWN_ROLE)


def enqueue(member: Member, kind: str, *, role_id: str = "", text: str = "") -> MemberJob:
    job = MemberJob.objects.create(tenant_id=member.tenant_id, member=member, kind=kind,
                                   role_id=role_id, text=text)
    tenant_id, job_id = member.tenant_id, job.pk
    after_commit(lambda: task("member_job_run").delay(tenant_id, job_id))
    return job


def task(name: str) -> Any:
    """A memberships task by name: tasks import services, never the reverse, so services
    reach them through Celery's registry (memberships.apps imports the tasks at startup)."""
    return current_app.tasks[f"memberships.tasks.{name}"]


def after_commit(send: Callable[[], object]) -> None:
    def safely() -> None:
        try:
            send()
        except Exception:  # the beat sweep re-enqueues what is left behind
            log.warning("memberships.enqueue_failed", exc_info=True)

    transaction.on_commit(safely)


def dm(member: Member, text: str) -> MemberJob:
    return enqueue(member, MemberJob.Kind.DM, text=text)


def claim(*, tenant_id: int, job_id: int) -> MemberJob | None:
    claimed = MemberJob.objects.for_tenant(tenant_id).filter(
        pk=job_id, state__in=[J.PENDING, J.FAILED], attempts__lt=MAX_ATTEMPTS,
    ).update(state=J.RUNNING, attempts=F("attempts") + 1)
    if not claimed:
        return None
    return (MemberJob.objects.for_tenant(tenant_id)
            .select_related("member__customer", "member__tenant").get(pk=job_id))


def run(*, tenant_id: int, job_id: int) -> str:
    """Do one job once: "done", "failed" (retry may help), "gave_up" or "skipped"."""
    job = claim(tenant_id=tenant_id, job_id=job_id)
    if job is None:
        return "skipped"
    tenant, user_id = job.member.tenant, job.member.customer.discord_user_id
    token = bot_token(tenant)
    try:
        if job.kind == MemberJob.Kind.DM:
            discord_rest.send_dm(token=token, user_id=user_id, content=job.text)
        elif job.kind == MemberJob.Kind.ROLE_ADD:
            discord_rest.add_role(token=token, guild_id=tenant.discord_guild_id or "0",
                                  user_id=user_id, role_id=job.role_id,
                                  reason="Vitrine membership")
        else:
            _remove(token, tenant.discord_guild_id or "0", user_id, job.role_id)
    except discord_rest.DiscordError as exc:
        permanent = exc.permanent or job.attempts >= MAX_ATTEMPTS
        MemberJob.objects.for_tenant(tenant_id).filter(pk=job.pk).update(
            state=J.FAILED, error=str(exc)[:300],
            **({"attempts": MAX_ATTEMPTS} if permanent else {}))
        log.info("memberships.job_failed", job=job.pk, kind=job.kind, code=exc.code)
        return "gave_up" if permanent else "failed"
    MemberJob.objects.for_tenant(tenant_id).filter(pk=job.pk).update(
        state=J.DONE, done_at=timezone.now(), error="")
    return "done"


def _remove(token: str, guild_id: str, user_id: str, role_id: str) -> None:
    try:
        discord_rest.remove_role(token=token, guild_id=guild_id, user_id=user_id,
                                 role_id=role_id, reason="Vitrine membership ended")
    except discord_rest.DiscordError as exc:
        if exc.code not in GONE:
            raise


def left_behind(*, limit: int = 500) -> list[tuple[int, int]]:
    """Jobs a crashed worker or a lost publish left pending or retryable (beat re-enqueues)."""
    stale = timezone.now() - timedelta(minutes=2)
    rows = (MemberJob.objects.unscoped()
            .filter(state__in=[J.PENDING, J.FAILED], attempts__lt=MAX_ATTEMPTS,
                    created_at__lt=stale).order_by("id").values_list("tenant_id", "pk"))
    return list(rows[:limit])
