"""Refunding an order: the one service the portal, the bot's /reembolsar and the admin call.

It decides once whether the order can be refunded, asks payments to give the money back, and
records who asked (a portal user, a staff member in Discord, an operator) in the audit log and
on the order's timeline. A Mercado Pago outage becomes `provider_unavailable` (503, retryable),
never an unhandled error: nothing was refunded, the caller says "try again in a few minutes".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

import audit
from money import format_money
from payments.models import Payment, Refund
from payments.providers.mercadopago import ProviderError
from payments.services import PaymentError, payment_refund
from sales.errors import SalesError
from sales.models import Order, OrderEvent
from sales.models import OrderStatus as S
from sales.selectors import order_of_payment
from sales.services.checkout import order_payment
from sales.services.orders import (
    announce_partial_refund,
    credit_refund_key,
    order_credit_refunded_cents,
    order_revoke,
)
from sales.state import AFTER_PAYMENT
from wallet import credit as wallet_credit


@dataclass(frozen=True)
class RefundActor:
    """Who asked for a refund. `user` for the portal and the admin; the Discord user id for a
    staff member who ran /reembolsar (the bot is trusted to say who, sales/api/README.md)."""

    via: str  # "portal", "bot", "admin" or "system"
    user: Any = None
    discord_user_id: str = ""
    feature: str = ""  # for "system": the seller feature that refunds by itself (e.g. "smm")

    @classmethod
    def portal(cls, user: Any) -> RefundActor:
        return cls(via="portal", user=user)

    @classmethod
    def operator(cls, user: Any) -> RefundActor:
        return cls(via="admin", user=user)

    @classmethod
    def discord_staff(cls, discord_user_id: str) -> RefundActor:
        return cls(via="bot", discord_user_id=str(discord_user_id))

    @classmethod
    def system(cls, feature: str) -> RefundActor:
        """A refund the platform decides by itself (an SMM panel delivered only part)."""
        return cls(via="system", feature=feature)

    @property
    def label(self) -> str:
        """OrderEvent.actor (at most 40 characters)."""
        if self.via == "bot":
            return f"bot staff:{self.discord_user_id}"[:40]
        if self.via == "system":
            return f"system:{self.feature}"[:40]
        prefix = "operator" if self.via == "admin" else "user"
        return f"{prefix}:{getattr(self.user, 'pk', '')}"

    def audit_data(self) -> dict[str, str]:
        data = {"via": self.via}
        if self.feature:
            data["feature"] = self.feature
        if self.discord_user_id:
            data["discord_user_id"] = self.discord_user_id
        return data


def order_refundable_payment(*, order: Order) -> Payment | None:
    """The payment a refund of `order` would give back (approved, something left), or None."""
    payment = order_payment(order=order)
    if payment is None or payment.status != Payment.Status.APPROVED:
        return None
    if payment.amount_cents - payment.refunded_cents <= 0:
        return None
    return payment


@dataclass(frozen=True)
class CreditRefund:
    """A refund given to the buyer's store credit (no provider, no payments.Refund row)."""

    amount_cents: int
    key: str


def order_refund(*, order: Order, by: RefundActor, reason: str,
                 amount_cents: int | None = None,
                 to_credit: bool = False) -> Refund | CreditRefund:
    """Refund `order`'s approved payment, fully (amount None) or partly; or, with
    `to_credit`, give the amount to the buyer's store credit instead (the owner's choice per
    refund; an order paid with credit alone can only be refunded so).

    Raises SalesError: not_refundable (409), refund_invalid (400: no reason, bad amount),
    refund_refused (409: the provider said no) or provider_unavailable (503: try again later).
    """
    if to_credit:
        return _refund_to_credit(order=order, by=by, reason=reason, amount_cents=amount_cents)
    payment = order_refundable_payment(order=order)
    if payment is None:
        raise SalesError("not_refundable", order=order.code)
    # What went back to the balance beyond the credit part came out of this payment's part:
    # the provider refunds at most the rest, so nothing is ever given back twice.
    over = max(0, order_credit_refunded_cents(order) - order.credit_applied_cents)
    payment_left = payment.amount_cents - payment.refunded_cents - over
    if payment_left <= 0:
        raise SalesError("not_refundable", order=order.code)
    if over and (amount_cents is None or amount_cents > payment_left):
        amount_cents = payment_left if amount_cents is None else amount_cents
        if amount_cents > payment_left:
            raise SalesError("refund_invalid", reason=_("Refund at most %(left)s.") % {
                "left": format_money(payment_left, order.currency)})
    reason = (reason or "").strip()
    told = f"{reason} (bot staff {by.discord_user_id})" if reason and by.via == "bot" else reason
    refund = _give_back(payment=payment, actor=by.user, reason=told, amount_cents=amount_cents)
    _record(order=order, payment=payment, refund=refund, by=by, reason=reason)
    return refund


def order_credit_refundable_cents(*, order: Order) -> int:
    """What a refund to the balance may still give: what was paid (the approved payment and
    the credit applied) less what was given back either way."""
    if order.status not in AFTER_PAYMENT:
        return 0
    payment = order_payment(order=order)
    paid = order.credit_applied_cents
    if payment is not None and payment.status in (Payment.Status.APPROVED,
                                                  Payment.Status.REFUNDED):
        paid += payment.amount_cents - payment.refunded_cents
    return max(0, paid - order_credit_refunded_cents(order))


@transaction.atomic
def _refund_to_credit(*, order: Order, by: RefundActor, reason: str,
                      amount_cents: int | None) -> CreditRefund:
    reason = (reason or "").strip()
    if not reason:
        raise SalesError("refund_invalid", reason=_("Say why the order is refunded."))
    # The order row serialises refunds of one order (and numbers them).
    order = (Order.objects.for_tenant(order.tenant_id).select_for_update()
             .select_related("tenant").get(pk=order.pk))
    left = order_credit_refundable_cents(order=order)
    if left <= 0:
        raise SalesError("not_refundable", order=order.code)
    amount = left if amount_cents is None else amount_cents
    if not 0 < amount <= left:
        raise SalesError("refund_invalid", reason=_("Refund at most %(left)s.") % {
            "left": format_money(left, order.currency)})
    done = OrderEvent.objects.for_tenant(order.tenant_id).filter(
        order=order, reason__startswith="refund to store credit").count()
    key = credit_refund_key(order, str(done + 1))
    wallet_credit.credit_refund(tenant=order.tenant, key=key, amount_cents=amount,
                                holder=wallet_credit.customer_holder(order.customer_id),
                                reason=f"order {order.code}: {reason}")
    money = format_money(amount, order.currency, locale="en")
    OrderEvent.objects.create(
        tenant_id=order.tenant_id, order=order, actor=by.label,
        actor_user=by.user if getattr(by.user, "is_authenticated", False) else None,
        from_status=order.status, to_status=order.status,
        reason=f"refund to store credit of {money} ({by.via}): {reason}"[:200])
    if amount == left:  # everything paid is back: the goods go as on any full refund
        order_revoke(order=order, to=S.REFUNDED, reason=f"refunded to store credit: {reason}")
    else:
        announce_partial_refund(order, order_payment(order=order))
    audit.record(actor=by.user, tenant=order.tenant, action="order.refund_to_credit",
                 target=order, data={"code": order.code, "amount_cents": amount, "key": key,
                                     "reason": reason, **by.audit_data()})
    return CreditRefund(amount_cents=amount, key=key)


def payment_refund_by(*, payment: Payment, by: RefundActor, reason: str,
                      amount_cents: int | None = None) -> Refund:
    """The portal's Refund button on a payment: an order's payment is refunded as its order
    (order_refund); a payment of no order (e.g. a manual PIX the shop recorded) follows payments'
    own rules. Either way the refusals are the same SalesErrors, never a provider exception."""
    order = order_of_payment(payment=payment)
    if order is not None:
        return order_refund(order=order, by=by, reason=reason, amount_cents=amount_cents)
    return _give_back(payment=payment, actor=by.user, reason=reason, amount_cents=amount_cents)


def _give_back(*, payment: Payment, actor: Any, reason: str, amount_cents: int | None) -> Refund:
    """payments.payment_refund, its refusals and provider errors turned into the SalesErrors
    every caller shows."""
    try:
        return payment_refund(payment=payment, actor=actor, reason=reason,
                              amount_cents=amount_cents)
    except PaymentError as exc:  # the rules of payments (reason, amount)
        raise SalesError("refund_invalid", reason=str(exc)) from exc
    except ProviderError as exc:
        if exc.permanent:
            raise SalesError("refund_refused", extra={"retryable": False}) from exc
        raise SalesError("provider_unavailable", extra={"retryable": True}) from exc


def _record(*, order: Order, payment: Payment, refund: Refund, by: RefundActor,
            reason: str) -> None:
    order.refresh_from_db(fields=["status"])
    amount = format_money(refund.amount_cents, payment.currency, locale="en")
    OrderEvent.objects.create(
        tenant_id=order.tenant_id, order=order, actor=by.label,
        actor_user=by.user if getattr(by.user, "is_authenticated", False) else None,
        from_status=order.status, to_status=order.status,
        reason=f"refund of {amount} asked ({by.via}): {reason}"[:200])
    audit.record(actor=by.user, tenant=order.tenant, action="order.refund", target=order,
                 data={"code": order.code, "payment": str(payment.public_id),
                       "refund": refund.pk, "amount_cents": refund.amount_cents,
                       "reason": reason, **by.audit_data()})
