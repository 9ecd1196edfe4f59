"""Card memberships through Mercado Pago subscriptions (preapproval), via the official SDK
(payments.providers.mercadopago wraps it): the buyer authorizes their card on the
subscription's page, Mercado Pago charges every period by itself, and its notifications
(topics `subscription_preapproval`, `subscription_authorized_payment`, routed here by
payments.registry) are re-read from its API and applied once."""

from __future__ import annotations

import structlog
from django.db import transaction

from memberships import services
from memberships.models import Member, MemberCharge
from memberships.preapproval import reference
from payments.models import Payment
from payments.providers import mercadopago as mp

log = structlog.get_logger(__name__)
S = Member.Status


def _member_for(preapproval_id: str) -> Member | None:
    if not preapproval_id:
        return None
    return (Member.objects.unscoped().select_related("tenant", "tier", "next_tier", "customer")
            .filter(preapproval_id=preapproval_id).first())


def on_preapproval(preapproval_id: str) -> None:
    """The subscription changed at Mercado Pago: a cancellation there (by the buyer in their
    account, or by us) lets the paid period run out, like /assinatura's cancel."""
    data = mp.get_preapproval(preapproval_id)
    member = _member_for(str(data.get("id") or ""))
    if member is None or data.get("external_reference") != reference(member):
        log.info("memberships.preapproval_unknown", preapproval_id=preapproval_id)
        return
    if data.get("status") in ("cancelled", "paused") and \
            member.status in (S.ACTIVE, S.TRIALING, S.PENDING):
        services.member_cancel_at_provider(member=member, why=str(data.get("status")))


def on_authorized_payment(authorized_payment_id: str) -> None:
    """One period charged: our charge and payment rows, once per provider payment; an
    approved one renews through the same path as PIX (ledger sale, period, role)."""
    from payments.services import payment_record_provider_charge

    data = mp.get_authorized_payment(authorized_payment_id)
    member = _member_for(str(data.get("preapproval_id") or ""))
    provider_payment = (data.get("payment") or {}).get("id")
    if member is None or not provider_payment:
        return
    with transaction.atomic():
        member = services._locked(member, member.tenant_id)
        known = Payment.objects.for_tenant(member.tenant_id).filter(
            provider=Payment.Provider.MERCADOPAGO,
            provider_payment_id=str(provider_payment)).first()
        if known is not None:
            charge = MemberCharge.objects.for_tenant(member.tenant_id).get(pk=known.payable_id)
        else:
            kind = MemberCharge.Kind.SUBSCRIBE if member.status == S.PENDING \
                else MemberCharge.Kind.RENEWAL
            tier = services.renewal_tier(member)
            charge = MemberCharge.objects.create(
                tenant_id=member.tenant_id, member=member, kind=kind, tier=tier,
                amount_cents=mp.amount_to_cents(data.get("transaction_amount")),
                currency=str(data.get("currency_id") or tier.currency),
                for_period_end=member.current_period_end)
        charge = (MemberCharge.objects.for_tenant(member.tenant_id)
                  .select_related("tenant", "tier", "member").get(pk=charge.pk))
        payment = payment_record_provider_charge(payable=charge,
                                                 provider_payment_id=str(provider_payment))
        MemberCharge.objects.for_tenant(member.tenant_id).filter(pk=charge.pk).update(
            payment_pk=payment.pk)
        if payment.status == Payment.Status.REJECTED:
            services._event(member, "card.declined", data={"payment": payment.pk})
