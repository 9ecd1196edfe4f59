"""Refunding an order: the one service the portal, the bot's /reembolsar and the admin call.

It decides once whether the order can be refunded, asks payments to give the money back, and
records who asked (a portal user, a staff member in Discord, an operator) in the audit log and
on the order's timeline. A Mercado Pago outage becomes `provider_unavailable` (503, retryable),
never an unhandled error: nothing was refunded, the caller says "try again in a few minutes".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import audit
from money import format_money
from payments.models import Payment, Refund
from payments.providers.mercadopago import ProviderError
from payments.services import PaymentError, payment_refund
from sales.errors import SalesError
from sales.models import Order, OrderEvent
from sales.selectors import order_of_payment
from sales.services.checkout import order_payment


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


def order_refund(*, order: Order, by: RefundActor, reason: str,
                 amount_cents: int | None = None) -> Refund:
    """Refund `order`'s approved payment, fully (amount None) or partly.

    Raises SalesError: not_refundable (409), refund_invalid (400: no reason, bad amount),
    refund_refused (409: the provider said no) or provider_unavailable (503: try again later).
    """
    payment = order_refundable_payment(order=order)
    if payment is None:
        raise SalesError("not_refundable", order=order.code)
    reason = (reason or "").strip()
    told = f"{reason} (bot staff {by.discord_user_id})" if reason and by.via == "bot" else reason
    refund = _give_back(payment=payment, actor=by.user, reason=told, amount_cents=amount_cents)
    _record(order=order, payment=payment, refund=refund, by=by, reason=reason)
    return refund


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
