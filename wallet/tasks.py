"""Thin Celery tasks for the wallet (DESIGN.md, Tasks are thin)."""

from __future__ import annotations

import structlog
from celery import shared_task
from django.core.mail import mail_admins

import audit
from wallet import selectors, services

log = structlog.get_logger(__name__)


@shared_task(soft_time_limit=240, time_limit=300, ignore_result=True)
def release_holds() -> int:
    """Move pending money to available once its hold period is over."""
    released = services.releases_run()
    if released:
        log.info("wallet.releases", released=released)
    return released


@shared_task(soft_time_limit=1700, time_limit=1800, ignore_result=True)
def verify_ledger() -> int:
    """Nightly: recompute every balance from the entries; alert operators on any difference."""
    problems = selectors.ledger_verify()
    if problems:
        log.error("wallet.verify.failed", problems=problems[:50], count=len(problems))
        audit.record(actor=None, tenant=None, action="wallet.verify.failed",
                     data={"count": len(problems), "problems": problems[:50]})
        mail_admins("Wallet ledger check failed",
                    "\n".join(problems[:200]), fail_silently=True)
    return len(problems)
