"""Reads for sales: the portal's order and customer lists."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet

from payments import providers
from payments.models import Payment
from sales.models import Customer, Order, OrderStatus
from tenants.models import Tenant
from tenants.quotas import features


def orders(*, tenant: Tenant, status: str = "", date_from: date | None = None,
           date_to: date | None = None, customer: str = "") -> QuerySet[Order]:
    qs = Order.objects.for_tenant(tenant).select_related("customer")
    if status:
        qs = qs.filter(status=status)
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    if customer:
        qs = qs.filter(Q(customer__display_name__icontains=customer)
                       | Q(customer__discord_user_id=customer) | Q(code__iexact=customer))
    return qs


def order_detail(*, tenant: Tenant, code: str) -> Order | None:
    return (Order.objects.for_tenant(tenant).select_related("customer", "tenant")
            .prefetch_related("lines", "events__actor_user", "deliveries")
            .filter(code=code.upper()).first())


def card_payments_enabled(*, tenant: Tenant) -> bool:
    """Card needs both the plan's feature and the shop's own choice to offer it."""
    return bool(tenant.settings.get("card_enabled") and features(tenant).card_payments)


def payment_methods(*, tenant: Tenant) -> list[str]:
    """What a buyer of this shop may pay with: PIX always, card when enabled (above), card via
    Stripe ("stripe_card", USD/EUR/BRL buyers) when the shop opts in and the platform has Stripe
    configured."""
    stripe = bool(tenant.settings.get("stripe_card_enabled")
                  and providers.get("stripe").is_configured())
    if (tenant.currency or "BRL") != "BRL":
        # A shop priced in USD or EUR sells by card via Stripe only: Mercado Pago (PIX, its
        # card checkout) charges reais. The checkout currency follows the method.
        return ["stripe_card"] if stripe else []
    methods = [Payment.Method.PIX]
    if card_payments_enabled(tenant=tenant):
        methods.append(Payment.Method.CARD)
    if stripe:
        methods.append("stripe_card")
    return methods


def methods_for_currency(*, tenant: Tenant, currency: str) -> list[str]:
    """The shop's methods that take `currency`: all of them in the shop's own currency; in
    another (a variant's price in USD or EUR) card via Stripe only, since Mercado Pago (PIX,
    its card checkout) charges reais in the shop's currency."""
    methods = payment_methods(tenant=tenant)
    if currency == (tenant.currency or "BRL"):
        return methods
    return [m for m in methods if m == "stripe_card"]


# What the buyer sees of an order in Discord: its stage, how it ended and what they may do.
_DELIVERING = {OrderStatus.PAID, OrderStatus.DELIVERING}
_RESENDABLE = {OrderStatus.DELIVERED, OrderStatus.PARTIALLY_DELIVERED,
               OrderStatus.DELIVERY_FAILED}
_TONES = {OrderStatus.PAID: "brand", OrderStatus.DELIVERING: "brand", OrderStatus.ON_HOLD: "brand",
          OrderStatus.PENDING_PAYMENT: "brand", OrderStatus.DELIVERED: "success"}
_OUTCOMES = {OrderStatus.PAID: "delivering", OrderStatus.DELIVERING: "delivering"}


def order_stage(*, order: Order) -> str:
    """pending (awaiting payment), delivering (paid, not settled yet) or final."""
    if order.status == OrderStatus.PENDING_PAYMENT:
        return "pending"
    return "delivering" if order.status in _DELIVERING else "final"


def order_outcome(*, order: Order) -> str:
    """Which buyer message fits the order once it left pending_payment: one of delivering,
    delivered, partially_delivered, delivery_failed, expired, cancelled, refunded,
    charged_back (the bot words them; the status decides)."""
    return _OUTCOMES.get(order.status, order.status)


def order_tone(*, order: Order) -> str:
    """brand (in progress), success or danger."""
    return _TONES.get(order.status, "danger")


def order_can_resend(*, order: Order) -> bool:
    """The buyer's "Reenviar para DM": only orders whose deliveries ran."""
    return order.status in _RESENDABLE


def refundable_order_ids(*, tenant: Tenant, order_ids: list[int]) -> set[int]:
    """Orders among `order_ids` with an approved payment that still has money to give back
    (what sales.services.order_refund accepts), in one query."""
    return set(Payment.objects.for_tenant(tenant).filter(
        payable_type=ContentType.objects.get_for_model(Order), payable_id__in=order_ids,
        status=Payment.Status.APPROVED, refunded_cents__lt=F("amount_cents"),
    ).values_list("payable_id", flat=True))


def customer_payer_emails(*, customer: Customer) -> tuple[str, ...]:
    """The emails this buyer has paid the shop with, as the providers reported them (the one
    typed on a card checkout page), for the blocklist by payer email. A buyer who never paid
    has none: no query."""
    if customer.first_purchase_at is None:
        return ()
    orders = Order.objects.for_tenant(customer.tenant_id).filter(customer=customer).values("pk")
    return tuple(Payment.objects.for_tenant(customer.tenant_id).filter(
        payable_type=ContentType.objects.get_for_model(Order), payable_id__in=orders,
    ).exclude(payer_email="").values_list("payer_email", flat=True).distinct().order_by())


def order_of_payment(*, payment: Any) -> Order | None:
    """The order a payment pays for; None for other payables (a plan's subscription)."""
    if payment.payable_type_id != ContentType.objects.get_for_model(Order).pk:
        return None
    return (Order.objects.for_tenant(payment.tenant_id).select_related("tenant", "customer")
            .filter(pk=payment.payable_id).first())


def customers(*, tenant: Tenant, query: str = "") -> QuerySet[Customer]:
    qs = Customer.objects.for_tenant(tenant).annotate(order_count=Count("orders"))
    if query:
        qs = qs.filter(Q(display_name__icontains=query) | Q(discord_user_id=query))
    return qs.order_by("-last_purchase_at", "-id")


HEARTBEAT_TTL = 3600  # seconds


def heartbeat_key(tenant_id: int) -> str:
    return f"bot:heartbeat:{tenant_id}"


def bot_heartbeat(*, tenant: Tenant) -> dict | None:
    """The bot's last heartbeat ({version, guilds, latency_ms, at}), if within the hour."""
    return cache.get(heartbeat_key(tenant.pk))
