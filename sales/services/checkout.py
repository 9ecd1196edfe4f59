"""Checkout: cart -> order with its stock reserved (one transaction), then the payment.

The payment is requested after the order commits, outside any transaction: Mercado Pago can be
slow or down, and a failure leaves a pending order whose reservation the sweep releases when its
payment window ends (or that the buyer pays with a retry).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

import audit
from catalog import stock
from catalog.models import Coupon
from catalog.selectors import fields_by_product
from config.metrics import CHECKOUT_SECONDS
from money import format_money
from payments import connect, providers
from payments.models import Payment
from payments.providers.mercadopago import ProviderError
from payments.services import PaymentError, payment_create
from sales import hooks, pricing, selectors, signals
from sales.errors import SalesError
from sales.models import Cart, Customer, Order, OrderEvent, OrderLine
from sales.models import OrderStatus as S
from sales.services.carts import MAX_QUANTITY, _check_buyer, answers_for, variant_prices
from sales.services.orders import order_mark_paid_by_credit
from tenants.quotas import QuotaExceeded, quota_check, usage_record
from wallet import credit as wallet_credit
from wallet.models import LEDGER_CURRENCIES

PAYMENT_WINDOW_DEFAULT = 30  # minutes, as payments' PIX expiry


@dataclass
class CheckoutResult:
    order: Order
    payment: Payment | None  # None: the buyer's store credit paid the whole order


def payment_methods(tenant) -> list[str]:
    """Kept for callers of sales.services; the rule is sales.selectors.payment_methods."""
    return selectors.payment_methods(tenant=tenant)


def _window(tenant) -> timedelta:
    return timedelta(minutes=int(tenant.settings.get("pix_expiry_minutes")
                                 or PAYMENT_WINDOW_DEFAULT))


@transaction.atomic
def order_create_from_cart(*, customer: Customer, method: str = Payment.Method.PIX,
                           expected_total_cents: int | None = None,
                           use_credit: bool = False, currency: str | None = None) -> Order:
    """Price the cart on the server, create the order and reserve its stock, all or nothing.
    `currency` (the shop's when None) is the one the whole order is priced and paid in."""
    tenant, now = customer.tenant, timezone.now()
    currency = currency or tenant.currency
    _check_buyer(customer)
    if method not in payment_methods(tenant):
        raise SalesError("payment_method_unavailable")
    if method not in selectors.methods_for_currency(tenant=tenant, currency=currency):
        raise SalesError("currency_method_unavailable", currency=currency)
    if method in providers.SELLER_OPTIONS and connect.checkout_blocker(tenant):
        # The shop sells on its own Mercado Pago account and that connection expired or was
        # revoked: refuse before reserving anything (the owner sees a banner in the portal).
        raise SalesError("seller_account_unavailable")
    cart = (Cart.objects.for_tenant(tenant).select_for_update(of=("self",))
            .filter(customer=customer, status=Cart.Status.OPEN).first())
    if cart is None:
        raise SalesError("cart_empty")
    if cart.expires_at <= now:
        raise SalesError("cart_expired")
    lines = cart.lines.select_related("variant__product")
    if currency != tenant.currency:  # the other currencies' prices, read only when needed
        lines = lines.prefetch_related(variant_prices(tenant))
    lines = list(lines)
    if not lines:
        raise SalesError("cart_empty")
    for line in lines:
        if not (line.variant.is_active and line.variant.product.is_active):
            raise SalesError("variant_unavailable", item=str(line.variant))
        if not 1 <= line.quantity <= MAX_QUANTITY:
            raise SalesError("quantity_invalid", max=MAX_QUANTITY)
    # Checked again: the shop may have added a required field since the line was added.
    fields = fields_by_product(tenant=tenant, product_ids={ln.variant.product_id for ln in lines})
    answers = {ln.variant_id: answers_for(
        variant=ln.variant, fields=fields.get(ln.variant.product_id, []),
        answers={a["key"]: a["value"] for a in ln.answers or []}) for ln in lines}
    coupon = None
    if cart.coupon_id:
        # Locked: concurrent checkouts with a limited coupon count its uses one at a time.
        coupon = (Coupon.objects.for_tenant(tenant).select_for_update()
                  .prefetch_related("products", "variants").get(pk=cart.coupon_id))
    priced = pricing.price(items=[(ln.variant, ln.quantity) for ln in lines], coupon=coupon,
                           currency=currency, shop_currency=tenant.currency)
    if coupon is not None:
        pricing.coupon_check(coupon=coupon, customer=customer, pricing=priced, now=now)
    if expected_total_cents is not None and expected_total_cents != priced.total_cents:
        raise SalesError("price_changed", total=format_money(priced.total_cents, currency))

    if currency not in LEDGER_CURRENCIES:
        # The wallet keeps one set of accounts per currency only for these (issue 23 item 4):
        # a sale in another currency would be booked as reais, so it is refused before
        # anything is reserved or charged.
        raise SalesError("currency_unsupported")
    hooks.checkout_guards_run(hooks.CheckoutAttempt(
        customer=customer, cart=cart, total_cents=priced.total_cents, currency=currency,
        method=method, payer_emails=selectors.customer_payer_emails(customer=customer)))
    try:
        quota_check(tenant=tenant, quota="orders_per_month")
    except QuotaExceeded:
        raise SalesError("plan_limit_reached") from None
    order = Order.objects.create(
        tenant=tenant, customer=customer, cart=cart, coupon=coupon,
        coupon_code=coupon.code if coupon else "", subtotal_cents=priced.subtotal_cents,
        discount_cents=priced.discount_cents, total_cents=priced.total_cents,
        currency=currency, payment_method=method, payment_expires_at=now + _window(tenant))
    OrderLine.objects.bulk_create([
        OrderLine(tenant=tenant, order=order, variant=pl.variant,
                  product_name=pl.variant.product.name, variant_label=pl.variant.label,
                  unit_price_cents=pl.unit_price_cents, quantity=pl.quantity,
                  discount_cents=pl.discount_cents, line_total_cents=pl.total_cents,
                  fulfillment=pl.variant.fulfillment, role_id=pl.variant.role_id,
                  duration_days=pl.variant.duration_days, answers=answers[pl.variant.pk])
        for pl in priced.lines
    ])
    wants = {ln.variant_id: ln.quantity for ln in lines if ln.variant.uses_stock}
    got = stock.reserve(tenant=tenant, order_ref=order.pk, wants=wants)
    for line in lines:
        if line.variant_id in wants and got.get(line.variant_id, 0) < line.quantity:
            # Raising rolls back the order and the partial reservation together.
            raise SalesError("out_of_stock", item=str(line.variant),
                             available=got.get(line.variant_id, 0))
    OrderEvent.objects.create(tenant=tenant, order=order, actor="bot", to_status=S.PENDING_PAYMENT,
                              reason="checkout")
    cart.status = Cart.Status.CHECKED_OUT
    cart.save(update_fields=["status", "updated_at"])
    usage_record(tenant=tenant, metric="orders_per_month")
    signals.order_created.send(sender=Order, order=order, cart=cart)
    if use_credit and currency == tenant.currency:
        # Store credit is held in the shop's currency: never spent on another's order.
        _apply_credit(order)
    return order


def _apply_credit(order: Order) -> None:
    """Take what the buyer's store credit covers (wallet/credit.py: the buyer's holding is
    locked, so two carts checking out at once can never spend one balance twice). The payment
    is then asked for the rest only; a wholly covered order is paid here, without a provider,
    in this same transaction."""
    applied = wallet_credit.credit_apply(
        tenant=order.tenant, holder=wallet_credit.customer_holder(order.customer_id),
        order_id=order.pk, up_to_cents=order.total_cents)
    if not applied:
        return
    order.credit_applied_cents = applied
    Order.objects.for_tenant(order.tenant_id).filter(pk=order.pk).update(
        credit_applied_cents=applied)
    if order.paid_by_credit:
        order_mark_paid_by_credit(order=order)


def order_payment(*, order: Order) -> Payment | None:
    """The order's latest payment (payments link to their payable generically)."""
    return Payment.objects.for_tenant(order.tenant_id).filter(
        payable_type=ContentType.objects.get_for_model(Order), payable_id=order.pk
    ).order_by("-created_at").first()


def order_request_payment(*, order: Order) -> Payment:
    """Ask payments for a charge; a pending one is reused. Raises payment_unavailable."""
    if order.status != S.PENDING_PAYMENT or order.payment_expires_at <= timezone.now():
        raise SalesError("order_not_payable")
    existing = order_payment(order=order)
    if existing is not None and existing.status == Payment.Status.PENDING:
        return existing
    try:
        payment = payment_create(payable=order, method=order.payment_method)
    except ProviderError as exc:
        if exc.status == 401 and connect.uses_own_account(order.tenant):
            # The shop's own Mercado Pago account refused its token just now (revoked): the
            # connection is marked, and the buyer hears why rather than "try again".
            raise SalesError("seller_account_unavailable",
                             extra={"order": order.code, "retryable": False}) from exc
        raise SalesError("payment_unavailable", extra={"order": order.code,
                                                       "retryable": not exc.permanent}) from exc
    except PaymentError as exc:  # the method was refused by payments
        raise SalesError("payment_method_unavailable",
                         extra={"order": order.code, "retryable": False}) from exc
    if payment.expires_at:
        Order.objects.for_tenant(order.tenant_id).filter(pk=order.pk).update(
            payment_expires_at=payment.expires_at)
        order.payment_expires_at = payment.expires_at
    return payment


def checkout(*, customer: Customer, method: str = Payment.Method.PIX,
             expected_total_cents: int | None = None, use_credit: bool = False,
             currency: str | None = None) -> CheckoutResult:
    try:
        with CHECKOUT_SECONDS.time():  # reserve + order; the provider call is timed apart
            order = order_create_from_cart(customer=customer, method=method,
                                           expected_total_cents=expected_total_cents,
                                           use_credit=use_credit, currency=currency)
    except hooks.Refusal as exc:
        # After the rollback, so the decision stays on record though nothing else did.
        audit.record(actor=None, tenant=customer.tenant, action="checkout.refused",
                     target=customer, data={"rule": exc.rule, "code": exc.code,
                                            "discord_user_id": customer.discord_user_id,
                                            **exc.data})
        raise
    if order.paid_by_credit:
        return CheckoutResult(order=order, payment=None)
    return CheckoutResult(order=order, payment=order_request_payment(order=order))
