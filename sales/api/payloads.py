"""Model -> JSON-ready dicts for the Bot API (shapes documented in serializers.py)."""

from __future__ import annotations

from typing import Any

from catalog.models import Product
from money import format_money
from sales.models import Customer, Order
from sales.services.carts import CartView


def product(p: Product) -> dict[str, Any]:
    return {
        "id": p.pk, "name": p.name, "description": p.description,
        "image_url": p.image.url if p.image else "", "category": p.category,
        "sort_order": p.sort_order, "channel_id": p.channel_id,
        "variants": [{
            "id": v.pk, "label": v.label, "emoji": v.emoji, "price_cents": v.price_cents,
            "price_display": format_money(v.price_cents), "duration_days": v.duration_days,
            "fulfillment": v.fulfillment, "grants_role": bool(v.role_id),
            "in_stock": not v.uses_stock or v.stock_available > 0,
            "stock": {"available": v.stock_available, "reserved": v.stock_reserved,
                      "sold": v.stock_sold} if v.uses_stock else None,
        } for v in p.variants.all()],
        "posts": [{"channel_id": post.channel_id, "message_id": post.message_id,
                   "needs_refresh": post.needs_refresh} for post in p.posts.all()],
    }


def customer(c: Customer) -> dict[str, Any]:
    return {"discord_user_id": c.discord_user_id, "display_name": c.display_name,
            "is_blocked": c.is_blocked, "lifetime_spend_cents": c.lifetime_spend_cents,
            "cart_thread_id": c.cart_thread_id}


def cart(view: CartView) -> dict[str, Any]:
    pricing = view.pricing
    return {
        "expires_at": view.cart.expires_at if view.cart else None,
        "coupon": view.cart.coupon.code if view.cart and view.cart.coupon else None,
        "lines": [{
            "variant_id": pl.variant.pk, "product_name": pl.variant.product.name,
            "variant_label": pl.variant.label, "emoji": pl.variant.emoji,
            "quantity": pl.quantity, "unit_price_cents": pl.unit_price_cents,
            "discount_cents": pl.discount_cents, "total_cents": pl.total_cents,
        } for pl in pricing.lines],
        "subtotal_cents": pricing.subtotal_cents, "discount_cents": pricing.discount_cents,
        "total_cents": pricing.total_cents, "total_display": format_money(pricing.total_cents),
    }


def order(o: Order, payment: Any = None) -> dict[str, Any]:
    return {
        "code": o.code, "status": o.status, "status_display": str(o.get_status_display()),
        "created_at": o.created_at, "paid_at": o.paid_at,
        "payment_expires_at": o.payment_expires_at, "coupon_code": o.coupon_code,
        "subtotal_cents": o.subtotal_cents, "discount_cents": o.discount_cents,
        "total_cents": o.total_cents, "total_display": format_money(o.total_cents),
        "lines": [{"product_name": ln.product_name, "variant_label": ln.variant_label,
                   "quantity": ln.quantity, "unit_price_cents": ln.unit_price_cents,
                   "line_total_cents": ln.line_total_cents} for ln in o.lines.all()],
        "payment": payment.instructions().__dict__ if payment is not None else None,
    }
