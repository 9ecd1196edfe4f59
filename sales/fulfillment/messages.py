"""What the buyer reads: the shop's delivery template rendered with this line's items."""

from __future__ import annotations

from catalog.models import MessageTemplate, StockItem
from catalog.templating import default_body, render_message
from money import format_money
from sales.models import Delivery


def sold_items(delivery: Delivery) -> list[str]:
    """The keys this line sold, decrypted; reading them never reserves or sells anything."""
    line = delivery.line
    return [item.content for item in StockItem.objects.for_tenant(delivery.tenant_id).filter(
        order_ref=delivery.order_id, variant_id=line.variant_id,
        status=StockItem.Status.SOLD).order_by("id")]


def items_text(delivery: Delivery) -> str:
    if delivery.kind == Delivery.Kind.STOCK:
        return "\n".join(f"`{item}`" for item in sold_items(delivery))
    variant = delivery.line.variant
    return variant.content if variant is not None else ""


def delivery_text(delivery: Delivery, items: str) -> str:
    order, line, tenant = delivery.order, delivery.line, delivery.order.tenant
    template = MessageTemplate.objects.for_tenant(tenant).filter(
        kind=MessageTemplate.Kind.DELIVERY, locale=tenant.locale).first()
    body = template.body if template else default_body("delivery", tenant.locale)
    if "{{items}}" not in body.replace(" ", ""):
        body += "\n\n{{items}}"  # a custom template must never swallow what was bought
    return render_message(body, {
        "buyer": f"<@{order.customer.discord_user_id}>", "product": line.product_name,
        "variant": line.variant_label, "items": items, "order": f"#{order.code}",
        "total": format_money(order.total_cents),
    })
