"""Model -> JSON-ready dicts for the Bot API (shapes documented in serializers.py).

Payloads carry what the bot shows: amounts already formatted (money.format_money, in the shop's
currency and the language the view set), status labels, the order's stage and the actions the
buyer or staff may take, so the bot holds no status sets and formats no money.
"""

from __future__ import annotations

from typing import Any

from catalog.models import Product, Variant
from money import format_money
from sales import selectors
from sales.models import Customer, Order
from sales.services.carts import CartView
from tenants.models import Tenant


def product(p: Product, currency: str) -> dict[str, Any]:
    return {
        "id": p.pk, "name": p.name, "description": p.description,
        "image_url": p.image.url if p.image else "", "category": p.category,
        "sort_order": p.sort_order, "channel_id": p.channel_id,
        "variants": [{
            "id": v.pk, "label": v.label, "emoji": v.emoji, "price_cents": v.price_cents,
            "price_display": format_money(v.price_cents, currency),
            # The same price in other currencies, for buyers paying by card via Stripe.
            "prices": variant_prices(v, currency),
            "duration_days": v.duration_days,
            "fulfillment": v.fulfillment, "grants_role": bool(v.role_id),
            "in_stock": not v.uses_stock or v.stock_available > 0,
            "stock": {"available": v.stock_available, "reserved": v.stock_reserved,
                      "sold": v.stock_sold} if v.uses_stock else None,
        } for v in p.variants.all()],
        "posts": [{"channel_id": post.channel_id, "message_id": post.message_id,
                   "needs_refresh": post.needs_refresh} for post in p.posts.all()],
        "fields": [{"key": f.key, "label": f.label, "kind": f.kind, "required": f.required,
                    "placeholder": f.placeholder} for f in p.fields.all()],
    }


def variant_prices(v: Variant, currency: str) -> list[dict[str, Any]]:
    """Every price of the variant, one per currency, the shop's own first."""
    own = [{"currency": currency, "amount_cents": v.price_cents,
            "display": format_money(v.price_cents, currency)}]
    return own + [{"currency": p.currency, "amount_cents": p.amount_cents,
                   "display": format_money(p.amount_cents, p.currency)}
                  for p in v.prices.all() if p.currency != currency]


def checkout_currencies(view: CartView, tenant: Tenant) -> list[dict[str, Any]]:
    """The currencies the buyer may check out this cart in, each with its total and the
    methods that take it: the shop's first, then each other one every line is priced in."""
    totals = {tenant.currency: view.pricing.total_cents, **view.other_totals}
    out = []
    for currency, total in totals.items():
        methods = selectors.methods_for_currency(tenant=tenant, currency=currency)
        if methods and view.lines:
            out.append({"currency": currency, "total_cents": total,
                        "total_display": format_money(total, currency), "methods": methods})
    return out


def customer(c: Customer) -> dict[str, Any]:
    return {"discord_user_id": c.discord_user_id, "display_name": c.display_name,
            "is_blocked": c.is_blocked, "lifetime_spend_cents": c.lifetime_spend_cents,
            "cart_thread_id": c.cart_thread_id}


def cart(view: CartView, currency: str) -> dict[str, Any]:
    pricing = view.pricing

    def money(cents: int) -> str:
        return format_money(cents, currency)

    return {
        "expires_at": view.cart.expires_at if view.cart else None,
        "coupon": view.cart.coupon.code if view.cart and view.cart.coupon else None,
        "lines": [{
            "variant_id": pl.variant.pk, "product_name": pl.variant.product.name,
            "variant_label": pl.variant.label, "emoji": pl.variant.emoji,
            "quantity": pl.quantity, "unit_price_cents": pl.unit_price_cents,
            "unit_price_display": money(pl.unit_price_cents),
            "discount_cents": pl.discount_cents, "total_cents": pl.total_cents,
            "total_display": money(pl.total_cents),
        } for pl in pricing.lines],
        "subtotal_cents": pricing.subtotal_cents, "discount_cents": pricing.discount_cents,
        "total_cents": pricing.total_cents, "subtotal_display": money(pricing.subtotal_cents),
        "discount_display": money(pricing.discount_cents),
        "total_display": money(pricing.total_cents),
    }


def order(o: Order, payment: Any = None, *, can_refund: bool | None = None) -> dict[str, Any]:
    """`can_refund` is computed from `payment` when not given (lists pass it in bulk)."""
    if can_refund is None:
        can_refund = payment is not None and payment.status == "approved" \
            and payment.refunded_cents < payment.amount_cents

    def money(cents: int) -> str:
        return format_money(cents, o.currency)

    return {
        "code": o.code, "status": o.status, "status_display": str(o.get_status_display()),
        "stage": selectors.order_stage(order=o), "outcome": selectors.order_outcome(order=o),
        "tone": selectors.order_tone(order=o),
        "can_resend": selectors.order_can_resend(order=o), "can_refund": can_refund,
        "created_at": o.created_at, "paid_at": o.paid_at,
        "payment_expires_at": o.payment_expires_at, "coupon_code": o.coupon_code,
        "subtotal_cents": o.subtotal_cents, "discount_cents": o.discount_cents,
        "total_cents": o.total_cents, "subtotal_display": money(o.subtotal_cents),
        "credit_applied_cents": o.credit_applied_cents,
        "credit_applied_display": money(o.credit_applied_cents),
        "discount_display": money(o.discount_cents), "total_display": money(o.total_cents),
        "lines": [{"product_name": ln.product_name, "variant_label": ln.variant_label,
                   "quantity": ln.quantity, "unit_price_cents": ln.unit_price_cents,
                   "line_total_cents": ln.line_total_cents,
                   "line_total_display": money(ln.line_total_cents)} for ln in o.lines.all()],
        "payment": payment.instructions().__dict__ if payment is not None else None,
    }
