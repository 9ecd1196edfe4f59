"""The Mercado Pago subscription (preapproval) of a card membership: create it, and tell it
about cancellations and price changes. The notifications coming back are memberships.card."""

from __future__ import annotations

import structlog
from django.conf import settings
from django.urls import reverse

from memberships import jobs
from memberships.models import Member, Tier
from payments.providers import mercadopago as mp
from payments.providers.base import ProviderError

log = structlog.get_logger(__name__)
S = Member.Status


def reference(member: Member) -> str:
    return f"member:{member.public_id}"


def card_start(*, member: Member, tier: Tier) -> str:
    """Create the subscription at Mercado Pago; returns the page where the card is entered.
    A trial becomes the subscription's free trial, so the first charge comes when it ends."""
    trial_days = max((member.current_period_end - member.current_period_start).days, 0) \
        if member.status == S.TRIALING else 0
    body = mp.create_preapproval(
        reference=reference(member), reason=f"{tier.name} · {member.tenant.name}"[:255],
        payer_email=f"member-{member.public_id}@members.vitrine.invalid",
        amount_cents=tier.price_cents, currency=tier.currency, months=tier.months,
        back_url=settings.PUBLIC_URL + "/",
        notification_url=settings.PUBLIC_URL + reverse("payments:webhook_mercadopago"),
        trial_days=trial_days)
    Member.objects.for_tenant(member.tenant_id).filter(pk=member.pk).update(
        preapproval_id=str(body["id"]))
    member.preapproval_id = str(body["id"])
    return str(body.get("init_point") or "")


def provider_update(member: Member, *, status: str | None = None,
                    amount_cents: int | None = None) -> None:
    """After our commit, tell Mercado Pago (cancel, or the next periods' price); a failure is
    logged: the owner sees the subscription's state in the member's history."""
    preapproval_id, tenant_id, member_id = member.preapproval_id, member.tenant_id, member.pk
    if not preapproval_id:
        return

    def call() -> None:
        try:
            mp.update_preapproval(preapproval_id, status=status, amount_cents=amount_cents)
        except ProviderError as exc:
            log.warning("memberships.preapproval_update_failed", member=member_id,
                        tenant_id=tenant_id, error=str(exc))

    jobs.after_commit(call)
