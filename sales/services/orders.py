"""What payments' outcomes do to an order: paid (deliveries created and enqueued, the sale
posted to the ledger), expired or cancelled (stock released), refunded or charged back (goods
revoked, the sale reversed). Transitions go through the state machine in sales/state.py; this
workflow sits above fulfillment and enqueues its work.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

import audit
from catalog import stock
from catalog.models import Fulfillment
from catalog.selectors import low_stock_variants
from money import format_money
from sales import hooks, signals
from sales.fulfillment import notices
from sales.fulfillment.enqueue import enqueue_order, enqueue_payment_notice, enqueue_revoke
from sales.models import Customer, Delivery, Order, OrderEvent, OrderLine
from sales.models import OrderStatus as S
from sales.state import AFTER_PAYMENT, TRANSITIONS, order_transition
from wallet import credit as wallet_credit
from wallet import services as wallet_services


def _deliveries_for(order: Order, now) -> list[Delivery]:
    rows = []
    for line in OrderLine.objects.for_tenant(order.tenant_id).filter(order=order):
        if line.fulfillment != Fulfillment.ROLE:
            rows.append(Delivery(tenant_id=order.tenant_id, order=order, line=line,
                                 kind=line.fulfillment))
        if line.role_id:
            expires = now + timedelta(days=line.duration_days) if line.duration_days else None
            rows.append(Delivery(tenant_id=order.tenant_id, order=order, line=line,
                                 kind=Delivery.Kind.ROLE, role_id=line.role_id,
                                 expires_at=expires))
    return rows


def _spend(order: Order) -> int:
    """What the order adds to the buyer's lifetime spend, kept in the shop's currency: an
    order paid in another one (a USD price by Stripe) is not added to it."""
    return order.total_cents if order.currency == order.tenant.currency else 0


def _mark_paid(order: Order, *, reason: str) -> bool:
    now = timezone.now()
    if not order_transition(order=order, to=S.PAID, actor="payment", reason=reason, paid_at=now):
        return False
    # Asked before the customer's counters move: a gate may look at "first purchase".
    hold = hooks.paid_hold_reason(order)
    # Paid, held or not: the credit applied at checkout becomes the shop's sale now.
    _credit_settle(order)
    Customer.objects.for_tenant(order.tenant_id).filter(pk=order.customer_id).update(
        lifetime_spend_cents=F("lifetime_spend_cents") + _spend(order),
        first_purchase_at=Coalesce("first_purchase_at", now), last_purchase_at=now)
    notices.enqueue_sale(order)
    if hold:
        # Stock stays reserved (not sold) and no Delivery exists until a person releases it;
        # a refund of the held order gives the reservation back (_revoke).
        order_transition(order=order, to=S.ON_HOLD, actor="system", reason=hold)
        # The gate's decision is audited like the refusals and the release.
        audit.record(actor=None, tenant=order.tenant, action="order.hold", target=order,
                     data={"reason": hold})
        _notify_buyer(order, "held")
        return True
    _start_delivery(order, now)
    return True


def _start_delivery(order: Order, now) -> None:
    """Paid and cleared: the stock is sold and the deliveries are written and enqueued."""
    stock.mark_sold(tenant=order.tenant, order_ref=order.pk)
    Delivery.objects.bulk_create(_deliveries_for(order, now))
    enqueue_order(order.tenant_id, order.pk)  # after commit; the beat sweeper is the backstop
    _alert_low_stock(order)
    signals.order_paid.send(sender=Order, order=order)


@transaction.atomic
def order_release_hold(*, order: Order, actor: Any, actor_label: str = "") -> bool:
    """A person approved an order a paid gate held: it is delivered as any paid order.

    `actor` is a portal user (or None for a staff member in Discord, named by `actor_label`,
    e.g. "bot staff:<discord id>"). False when the order is not (or no longer) held.
    """
    locked = (Order.objects.for_tenant(order.tenant_id).select_for_update(of=("self",))
              .select_related("tenant").filter(pk=order.pk).first())  # not the tenant row
    if locked is None or locked.status != S.ON_HOLD:
        return False
    user = actor if getattr(actor, "pk", None) else None
    label = actor_label or (f"user:{user.pk}" if user else "system")
    if not order_transition(order=locked, to=S.PAID, actor=label[:40], actor_user=user,
                            reason="released after review"):
        return False
    _start_delivery(locked, timezone.now())
    audit.record(actor=user, tenant=locked.tenant, action="order.hold_release", target=locked,
                 data={"code": locked.code, "by": label})
    order.status = locked.status
    return True


def _alert_low_stock(order: Order) -> None:
    """Tell the staff (audit event, shown and notified later) when this sale crossed the line."""
    sold = {line.variant_id: line.quantity for line in
            OrderLine.objects.for_tenant(order.tenant_id).filter(order=order,
                                                                 fulfillment="stock")}
    if not sold:
        return
    for variant in low_stock_variants(tenant=order.tenant, variant_ids=list(sold)):
        if variant.stock_available + sold[variant.pk] > variant.low_stock_threshold:
            audit.record(actor=None, tenant=order.tenant, action="stock.low", target=variant,
                         data={"available": variant.stock_available,
                               "threshold": variant.low_stock_threshold,
                               "order": order.code})
            notices.enqueue_low_stock(order.tenant, variant,
                                      available=variant.stock_available,
                                      threshold=variant.low_stock_threshold)


def order_mark_paid_by_credit(*, order: Order) -> bool:
    """Checkout took the whole total from the buyer's balance: paid without any provider."""
    return _mark_paid(order, reason="paid with store credit")


# --- Store credit applied at checkout (wallet/credit.py) --------------------------------------
def _credit_settle(order: Order) -> None:
    """Paid: the credit reserved for the order becomes the shop's sale (posted once)."""
    if order.credit_applied_cents:
        wallet_credit.credit_settle(tenant=order.tenant, order_id=order.pk)


def _credit_back(order: Order) -> None:
    """Expired or cancelled unpaid: the reserved credit goes back to the buyer (posted once)."""
    if order.credit_applied_cents:
        wallet_credit.credit_return(tenant=order.tenant, order_id=order.pk,
                                    holder=wallet_credit.customer_holder(order.customer_id))


def _credit_reapply(order: Order) -> bool:
    """A late payment for an order whose credit went back: take it again; False when the
    buyer has since spent it (the order is then short and must be refunded by hand)."""
    if not order.credit_applied_cents:
        return True
    holder = wallet_credit.customer_holder(order.customer_id)
    reserved = wallet_credit.credit_balance(tenant=order.tenant, kind="credit_reserved",
                                            holder=wallet_credit.order_holder(order.pk))
    wanted = order.credit_applied_cents - reserved
    got = wallet_credit.credit_apply(tenant=order.tenant, holder=holder, order_id=order.pk,
                                     up_to_cents=wanted, attempt="late") if wanted > 0 else 0
    return got >= wanted


def credit_refund_key(order: Order, tag: str) -> str:
    return f"refund:credit:order:{order.pk}:{tag}"


def order_credit_refunded_cents(order: Order) -> int:
    return wallet_credit.refunded_to_credit_cents(tenant=order.tenant_id,
                                                  key_prefix=credit_refund_key(order, ""))


def _credit_refund_rest(order: Order, reason: str) -> None:
    """The provider refunded the paid part in full: the part paid with credit goes back to
    the buyer's balance too (its only 'payment method'), whatever was not given back yet."""
    left = order.credit_applied_cents - order_credit_refunded_cents(order)
    if left > 0:
        wallet_credit.credit_refund(tenant=order.tenant, key=credit_refund_key(order, "rest"),
                                    holder=wallet_credit.customer_holder(order.customer_id),
                                    amount_cents=left, reason=reason)


def _paid_late(order: Order) -> None:
    """Approved after the reservation was released: take the stock again if it is still there."""
    if not _credit_reapply(order):
        stock.release(tenant=order.tenant, order_ref=order.pk)
        if order_transition(order=order, to=S.PAID, actor="payment", paid_at=timezone.now(),
                            reason="payment approved after the order expired"):
            _credit_settle(order)
            order_transition(order=order, to=S.DELIVERY_FAILED, actor="system",
                             reason="store credit was spent while the payment was late; "
                                    "refund the buyer")
        return
    wants = {line.variant_id: line.quantity for line in
             OrderLine.objects.for_tenant(order.tenant_id).filter(order=order,
                                                                  fulfillment="stock")}
    got = stock.reserve(tenant=order.tenant, order_ref=order.pk, wants=wants)
    if all(got.get(v, 0) == q for v, q in wants.items()):
        _mark_paid(order, reason="payment approved after the order expired")
        return
    stock.release(tenant=order.tenant, order_ref=order.pk)
    if order_transition(order=order, to=S.PAID, actor="payment", paid_at=timezone.now(),
                        reason="payment approved after the order expired"):
        _credit_settle(order)
        order_transition(order=order, to=S.DELIVERY_FAILED, actor="system",
                         reason="stock was sold while the payment was late; refund the buyer")


def _release(order: Order, to: str, reason: str) -> None:
    if order_transition(order=order, to=to, actor="payment", reason=reason):
        stock.release(tenant=order.tenant, order_ref=order.pk)
        _credit_back(order)


def _revoke(order: Order, to: str, reason: str) -> None:
    before = order.status
    if to not in TRANSITIONS[before] or before not in AFTER_PAYMENT | {S.REFUNDED}:
        return
    if not order_transition(order=order, to=to, actor="payment", reason=reason):
        return
    if before == S.ON_HOLD:  # never delivered: its reserved stock goes back on sale
        stock.release(tenant=order.tenant, order_ref=order.pk)
    deliveries = Delivery.objects.for_tenant(order.tenant_id).filter(order=order)
    # Work not done yet is dropped; roles already granted go back to the worker to remove.
    # Work handed to a provider (an SMM panel) is dropped too: its app hears order_revoked.
    deliveries.filter(state__in=(Delivery.State.PENDING, Delivery.State.WAITING)).update(
        state=Delivery.State.REVOKED)
    if deliveries.filter(kind=Delivery.Kind.ROLE, state=Delivery.State.DONE).update(
            state=Delivery.State.REVOKE):
        enqueue_revoke(order.tenant_id, order.pk)
    if before != S.REFUNDED:
        Customer.objects.for_tenant(order.tenant_id).filter(pk=order.customer_id).update(
            lifetime_spend_cents=F("lifetime_spend_cents") - _spend(order))
    signals.order_revoked.send(sender=Order, order=order, status=to)


def order_revoke(*, order: Order, to: str, reason: str) -> None:
    """Refunded or charged back outside payments (a refund to store credit): goods revoked."""
    _revoke(order, to, reason)


def on_payment_outcome(payment: Any, outcome: str) -> None:
    """payments.registry handler for sales.order; runs inside the payment's transaction."""
    # of=("self",): lock the order row only. A bare FOR UPDATE also locks every joined row,
    # here the shop's tenant row, which made all of a shop's payments queue on one lock
    # (issue 25: a product drop's sales applied one at a time).
    order = (Order.objects.for_tenant(payment.tenant_id).select_for_update(of=("self",))
             .select_related("tenant").filter(pk=payment.payable_id).first())
    if order is None:
        return
    reason = f"payment {payment.public_id} {outcome}"
    if outcome == "approved":
        # The money arrived whatever the order's fate (a late payment may still need a refund);
        # the posting key makes replays post nothing twice (DESIGN.md: one ledger posting).
        # Posted before the order is marked paid, so order_paid's receivers (gift cards) find
        # the sale in the ledger; both happen in this one transaction either way.
        _book_sale(order, payment)
        if order.status == S.PENDING_PAYMENT:
            _mark_paid(order, reason=reason)
        elif order.status in (S.EXPIRED, S.CANCELLED):
            _paid_late(order)
        _reverse_refunds(order, payment)  # refunds the provider showed before the approval
    elif outcome == "refund":
        _reverse_refunds(order, payment)
    elif outcome in ("expired", "cancelled"):
        if order.status == S.PENDING_PAYMENT:
            _release(order, S.EXPIRED if outcome == "expired" else S.CANCELLED, reason)
            _notify_buyer(order, outcome)
    elif outcome in ("refunded", "charged_back"):
        _reverse_refunds(order, payment)
        _revoke(order, S.REFUNDED if outcome == "refunded" else S.CHARGED_BACK, reason)
        if outcome == "refunded":
            _credit_refund_rest(order, reason)
        kind = "refund" if outcome == "refunded" else "chargeback"
        key = f"{kind}:payment:{payment.pk}"
        # Whatever the Refund rows did not reverse yet: the total reversed is the total
        # refunded (the whole payment), in any order of events.
        left = payment.amount_cents - _reversed_total(payment, exclude=key)
        if left > 0:
            _sale_reverse(tenant=order.tenant, key=key, amount_cents=left,
                          reason=reason, payment_id=payment.pk)


def _book_sale(order: Order, payment: Any) -> None:
    """The sale in the wallet, in the payment's currency: held for payout when the platform
    collected it, settled at once when it went to the shop's own account (wallet/settled.py)."""
    if payment.settles_at_provider:
        from wallet import settled

        settled.settled_sale_record(tenant=order.tenant, payment_id=payment.pk,
                                    gross_cents=payment.amount_cents,
                                    fee=payment.application_fee_cents, method=payment.method,
                                    currency=payment.currency)
        return
    wallet_services.sale_record(tenant=order.tenant, payment_id=payment.pk,
                                gross_cents=payment.amount_cents, method=payment.method,
                                currency=payment.currency)


def _sale_reverse(*, tenant: Any, key: str, amount_cents: int, reason: str,
                  payment_id: int) -> None:
    """A refund or chargeback in the wallet, where its sale was booked."""
    from wallet import settled

    reverse = settled.settled_sale_reverse if settled.is_settled(payment_id) \
        else wallet_services.sale_reverse
    reverse(tenant=tenant, key=key, amount_cents=amount_cents, reason=reason,
            payment_id=payment_id)


def _reversal_keys(payment: Any) -> list[str]:
    from payments.models import Refund  # payments sits below sales; imported where used

    ids = Refund.objects.for_tenant(payment.tenant_id).filter(payment_id=payment.pk) \
        .values_list("pk", flat=True)
    return [f"refund:{pk}" for pk in ids] + [f"refund:payment:{payment.pk}",
                                              f"chargeback:payment:{payment.pk}"]


def _reversed_total(payment: Any, exclude: str = "") -> int:
    done = wallet_services.reversed_cents(keys=_reversal_keys(payment))
    return sum(amount for key, amount in done.items() if key != exclude)


def _reverse_refunds(order: Order, payment: Any) -> None:
    """Each Refund reverses its own amount once (key `refund:<refund id>`), capped by what the
    payment-level reversal already took, so a full reversal seen first is never doubled.
    Serialized by the order row lock the handler holds."""
    from payments.models import Payment, Refund

    if not _sale_posted(payment):
        return  # no sale to reverse yet; the approval handler comes back here
    refunds = Refund.objects.for_tenant(payment.tenant_id).filter(payment_id=payment.pk) \
        .order_by("created_at", "pk")
    for refund in refunds:
        key = f"refund:{refund.pk}"
        done = wallet_services.reversed_cents(keys=_reversal_keys(payment))
        if key in done:
            continue
        amount = min(refund.amount_cents, payment.amount_cents - sum(done.values()))
        if amount <= 0:
            continue
        _sale_reverse(tenant=order.tenant, key=key, amount_cents=amount,
                      reason=f"refund {refund.pk}: {refund.reason}"[:200],
                      payment_id=payment.pk)
        left = payment.amount_cents - sum(done.values()) - amount
        if left > 0 and payment.status == Payment.Status.APPROVED:
            OrderEvent.objects.create(
                tenant_id=order.tenant_id, order=order, actor="payment", from_status=order.status,
                to_status=order.status,
                reason=f"partially refunded {format_money(amount, payment.currency, locale='en')} "
                       f"({refund.reason})"[:200])
            announce_partial_refund(order, payment)


def announce_partial_refund(order: Order, payment: Any = None) -> None:
    """order_refunded_partly with the running total given back (payment and credit)."""
    refunded = order_credit_refunded_cents(order)
    if payment is not None and _sale_posted(payment):
        refunded += _reversed_total(payment)
    signals.order_refunded_partly.send(sender=Order, order=order,
                                       refunded_cents=min(refunded, order.total_cents))


def _sale_posted(payment: Any) -> bool:
    from wallet.models import LedgerTransaction

    return LedgerTransaction.objects.unscoped().filter(key=f"sale:{payment.pk}").exists()


def _notify_buyer(order: Order, outcome: str) -> None:
    enqueue_payment_notice(order.tenant_id, order.pk, outcome)


@transaction.atomic
def order_expire(*, order: Order, reason: str = "payment window ended") -> bool:
    """Sweep: a pending order past its payment expiry gives its stock back."""
    locked = (Order.objects.for_tenant(order.tenant_id).select_for_update(of=("self",))
              .select_related("tenant").filter(pk=order.pk).first())
    if locked is None or locked.status != S.PENDING_PAYMENT:
        return False
    if not order_transition(order=locked, to=S.EXPIRED, actor="system", reason=reason):
        return False
    stock.release(tenant=locked.tenant, order_ref=locked.pk)
    _credit_back(locked)
    return True


@transaction.atomic
def order_cancel(*, order: Order, actor_user: Any, reason: str = "") -> bool:
    locked = Order.objects.for_tenant(order.tenant_id).select_for_update(
        of=("self",)).select_related("tenant").filter(pk=order.pk).first()
    if locked is None or locked.status != S.PENDING_PAYMENT:
        return False
    order_transition(order=locked, to=S.CANCELLED, actor=f"user:{actor_user.pk}",
                     actor_user=actor_user, reason=reason or "cancelled in the portal")
    stock.release(tenant=locked.tenant, order_ref=locked.pk)
    _credit_back(locked)
    audit.record(actor=actor_user, tenant=locked.tenant, action="order.cancel", target=locked,
                 data={"code": locked.code})
    return True
