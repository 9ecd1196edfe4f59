"""Thin Celery tasks of memberships: take ids, claim, call one service."""

from __future__ import annotations

from celery import shared_task

from memberships import jobs, kofi, services

RETRY_DELAYS = (10, 60, 300, 1800)


@shared_task(soft_time_limit=240, time_limit=300)
def memberships_sweep() -> int:
    """Beat: members whose due time passed (reminder, period end, dunning, grace end)."""
    done = 0
    for tenant_id, member_id in services.members_due():
        if services.member_claim(tenant_id=tenant_id, member_id=member_id):
            services.member_advance(tenant_id=tenant_id, member_id=member_id)
            done += 1
    for tenant_id, job_id in jobs.left_behind():
        member_job_run.delay(tenant_id, job_id)
    return done


@shared_task(bind=True, max_retries=len(RETRY_DELAYS), soft_time_limit=60, time_limit=90)
def member_job_run(self, tenant_id: int, job_id: int) -> str:
    result = jobs.run(tenant_id=tenant_id, job_id=job_id)
    if result == "failed" and self.request.retries < len(RETRY_DELAYS):
        raise self.retry(countdown=RETRY_DELAYS[self.request.retries])
    return result


@shared_task(soft_time_limit=60, time_limit=90)
def kofi_apply(tenant_id: int, event_id: int) -> str:
    return kofi.event_apply(tenant_id=tenant_id, event_id=event_id)
