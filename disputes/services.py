"""Writes for disputes: open one from the provider's truth, resolve it, undo the buyer's block.

`dispute_apply` is the one entry for every provider notification. It first re-syncs the
payment (so a chargeback seen before the approval still finds a sale to reverse), then, under
the payment's row lock, finds or creates the Dispute by its unique provider id. Opening does
everything once, because only the call that created the row opens it:
- the payment turns charged_back through the payment state machine, so sales revokes the goods
  the way any chargeback does (roles go back to the fulfillment worker to remove) and posts the
  chargeback reversal, which is the freeze (wallet.disputes);
- keys the order delivered are marked compromised (the buyer keeps them);
- the buyer is blocked in that shop (trust's blocklist, source "dispute"; the owner can undo
  it from the dispute's page).
Resolving is a conditional UPDATE from open, so a duplicate, a replay or an owner's click at
the same time as the provider's verdict ends in one outcome: won gives the frozen money back,
lost keeps the debit.
"""

from __future__ import annotations

from typing import Any

import structlog
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from catalog.models import StockItem
from disputes import signals
from disputes.models import CompromisedKey, Dispute
from disputes.truth import DEFAULT_DEADLINE, DisputeTruth
from payments import services as payments
from payments.models import Payment
from sales.models import Customer, Delivery, Order
from sales.services import customer_set_blocked
from trust.models import Block
from trust.services import block_add, block_remove
from wallet import disputes as wallet_disputes

log = structlog.get_logger(__name__)
P = Payment.Status
D = Dispute.State


class DisputeError(ValueError):
    """A request the rules refuse; the message is shown to the user as is."""


def dispute_apply(*, truth: DisputeTruth) -> Payment:
    """Apply the provider's view of one dispute (idempotent). Raises UnknownPayment."""
    if not truth.provider_payment_id:
        raise payments.UnknownPayment(f"dispute {truth.external_id} names no payment")
    # The payment's own truth first: an approval (or the charged_back status) not yet applied
    # is applied now, through the usual path, whatever order the notifications came in.
    payment = payments.payment_sync(provider_payment_id=truth.provider_payment_id,
                                    provider=truth.provider)
    if f"{payment.payable_type.app_label}.{payment.payable_type.model}" != "sales.order":
        log.info("dispute.not_an_order", payment_id=payment.pk, dispute=truth.external_id)
        return payment
    _apply_locked(payment=payment, truth=truth)
    return payment


@transaction.atomic
def _apply_locked(*, payment: Payment, truth: DisputeTruth) -> Dispute:
    payment = (Payment.objects.for_tenant(payment.tenant_id).select_for_update()
               .select_related("tenant", "payable_type").get(pk=payment.pk))
    dispute = (Dispute.objects.for_tenant(payment.tenant_id).select_for_update()
               .filter(provider=truth.provider, external_id=truth.external_id).first())
    if dispute is None:
        dispute = _open(payment=payment, truth=truth)
    else:
        _refresh(dispute, truth)
    if truth.outcome and dispute.state == D.OPEN:
        _resolve(dispute=dispute, outcome=truth.outcome, source=Dispute.Source.PROVIDER,
                 actor=None)
    elif truth.outcome and truth.outcome != dispute.state:
        # The owner recorded the other verdict first: the first outcome stands (its money
        # already moved), and operators see the disagreement in the audit log.
        audit.record(actor=None, tenant=payment.tenant, action="dispute.outcome_conflict",
                     target=dispute, data={"recorded": dispute.state,
                                           "provider": truth.outcome,
                                           "source": dispute.outcome_source})
    return dispute


def _refresh(dispute: Dispute, truth: DisputeTruth) -> None:
    fields = {"provider_status": truth.status, "raw": truth.raw}
    if truth.deadline_at:
        fields["deadline_at"] = truth.deadline_at
    Dispute.objects.for_tenant(dispute.tenant_id).filter(pk=dispute.pk).update(**fields)
    for name, value in fields.items():
        setattr(dispute, name, value)


def _open(*, payment: Payment, truth: DisputeTruth) -> Dispute:
    order = (Order.objects.for_tenant(payment.tenant_id).select_related("customer")
             .filter(pk=payment.payable_id).first())
    amount = min(truth.amount_cents or payment.amount_cents, payment.amount_cents)
    dispute = Dispute.objects.create(
        tenant_id=payment.tenant_id, provider=truth.provider, external_id=truth.external_id,
        kind=truth.kind, payment=payment, order=order,
        customer=order.customer if order else None, amount_cents=amount,
        currency=truth.currency or payment.currency, reason=truth.reason,
        provider_status=truth.status, raw=truth.raw,
        deadline_at=truth.deadline_at or timezone.now() + DEFAULT_DEADLINE[truth.kind])
    roles_before = _roles_granted(order)
    # Freeze the disputed amount first: the chargeback posting sales makes for the payment
    # below then finds its key posted, so a partial dispute freezes only what is disputed.
    left = 0 if payment.status == P.REFUNDED else amount - payment.refunded_cents
    frozen = wallet_disputes.dispute_freeze(
        tenant=payment.tenant, payment_id=payment.pk, amount_cents=max(left, 0),
        reason=f"dispute:{truth.provider}:{truth.external_id}")
    if payment.status == P.APPROVED:
        # The revoke path every chargeback takes (sales: goods revoked, roles removed).
        payments.payment_transition(payment=payment, to=P.CHARGED_BACK,
                                    detail=f"dispute_{truth.kind}",
                                    reason=f"dispute {truth.external_id} opened")
    dispute.frozen_cents = frozen
    dispute.roles_revoked = max(roles_before - _roles_granted(order), 0) or _roles_taken(order)
    dispute.keys_compromised = _compromise_keys(dispute, order)
    dispute.buyer_blocked = _block_buyer(dispute)
    dispute.save(update_fields=["frozen_cents", "roles_revoked", "keys_compromised",
                                "buyer_blocked"])
    audit.record(actor=None, tenant=payment.tenant, action="dispute.open", target=dispute,
                 data={"provider": truth.provider, "external_id": truth.external_id,
                       "kind": truth.kind, "payment": payment.pk, "amount": amount,
                       "frozen": frozen, "roles_revoked": dispute.roles_revoked,
                       "keys_compromised": dispute.keys_compromised,
                       "buyer_blocked": dispute.buyer_blocked})
    signals.dispute_opened.send(sender=Dispute, dispute=dispute)
    return dispute


def _roles_granted(order: Order | None) -> int:
    if order is None:
        return 0
    return Delivery.objects.for_tenant(order.tenant_id).filter(
        order=order, kind=Delivery.Kind.ROLE, state=Delivery.State.DONE).count()


def _roles_taken(order: Order | None) -> int:
    """Roles the revoke path took back already (the payment was charged back before)."""
    if order is None:
        return 0
    return Delivery.objects.for_tenant(order.tenant_id).filter(
        order=order, kind=Delivery.Kind.ROLE,
        state__in=[Delivery.State.REVOKE, Delivery.State.REVOKED],
        done_at__isnull=False).count()


def _compromise_keys(dispute: Dispute, order: Order | None) -> int:
    if order is None:
        return 0
    sold = StockItem.objects.for_tenant(dispute.tenant_id).filter(
        order_ref=order.pk, status=StockItem.Status.SOLD).values_list("pk", flat=True)
    CompromisedKey.objects.bulk_create(
        [CompromisedKey(tenant_id=dispute.tenant_id, dispute=dispute, stock_item_id=pk)
         for pk in sold], ignore_conflicts=True)
    return CompromisedKey.objects.for_tenant(dispute.tenant_id).filter(dispute=dispute).count()


def _block_buyer(dispute: Dispute) -> bool:
    """Block the buyer in this shop through trust's blocklist (source "dispute"). A buyer the
    shop already blocked keeps that block as it is (the owner's, not this dispute's)."""
    customer = dispute.customer
    if customer is None or customer.is_blocked or Block.objects.for_tenant(
            dispute.tenant_id).filter(discord_user_id=customer.discord_user_id).exists():
        return False
    block_add(tenant=dispute.tenant, discord_user_id=customer.discord_user_id, actor=None,
              reason=f"dispute {dispute.external_id}", source=Block.Source.DISPUTE)
    return True


def _resolve(*, dispute: Dispute, outcome: str, source: str, actor: Any) -> bool:
    to = {"won": D.WON, "lost": D.LOST}[outcome]
    now = timezone.now()
    changed = Dispute.objects.for_tenant(dispute.tenant_id).filter(
        pk=dispute.pk, state=D.OPEN).update(
        state=to, outcome_source=source, resolved_at=now,
        resolved_by=actor if getattr(actor, "is_authenticated", False) else None)
    if changed != 1:
        return False
    dispute.refresh_from_db()
    if to == D.WON:
        wallet_disputes.dispute_release(tenant=dispute.tenant, dispute_id=dispute.pk,
                                        payment_id=dispute.payment_id,
                                        amount_cents=dispute.frozen_cents,
                                        reason=f"dispute:{dispute.provider}:{dispute.external_id}:won")
    audit.record(actor=actor if source == Dispute.Source.OWNER else None,
                 tenant=dispute.tenant, action=f"dispute.{to}", target=dispute,
                 data={"source": source, "frozen": dispute.frozen_cents,
                       "external_id": dispute.external_id})
    return True


@transaction.atomic
def dispute_record_outcome(*, dispute: Dispute, outcome: str, actor: Any) -> Dispute:
    """The owner records the verdict the provider told them (their dashboard, an email)."""
    if outcome not in ("won", "lost"):
        raise DisputeError(_("Choose won or lost."))
    locked = Dispute.objects.for_tenant(dispute.tenant_id).select_for_update().get(pk=dispute.pk)
    if not locked.is_open:
        raise DisputeError(_("This dispute is already closed (%(state)s).")
                           % {"state": locked.get_state_display()})
    _resolve(dispute=locked, outcome=outcome, source=Dispute.Source.OWNER, actor=actor)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def dispute_unblock_buyer(*, dispute: Dispute, actor: Any) -> Dispute:
    """The owner lets the buyer shop again (their block, not the platform's, is lifted)."""
    locked = Dispute.objects.for_tenant(dispute.tenant_id).select_for_update().get(pk=dispute.pk)
    customer = (Customer.objects.for_tenant(locked.tenant_id).filter(pk=locked.customer_id)
                .select_related("tenant").first())
    if customer is None or not customer.is_blocked:
        raise DisputeError(_("This buyer is not blocked."))
    reason = f"unblocked from dispute {locked.external_id}"
    blocks = Block.objects.for_tenant(locked.tenant_id).filter(
        discord_user_id=customer.discord_user_id)
    if blocks.exists():
        for block in blocks:
            block_remove(block=block, actor=actor, reason=reason)
    else:  # blocked on the customer row only (before the blocklist existed)
        customer_set_blocked(customer=customer, actor=actor, blocked=False, reason=reason)
    Dispute.objects.for_tenant(locked.tenant_id).filter(pk=locked.pk).update(
        buyer_blocked=False)
    audit.record(actor=actor, tenant=locked.tenant, action="dispute.unblock", target=locked,
                 data={"customer": customer.pk})
    locked.refresh_from_db()
    return locked
