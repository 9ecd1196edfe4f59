"""The evidence bundle an owner sends the provider: one zip with a readable HTML summary and
the same facts as JSON (order, payment, delivery log with Discord message ids and times, the
buyer's Discord id and account age from the snowflake, the review if any)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format

from audit.models import AuditEvent
from catalog.models import Fulfillment
from disputes.models import Dispute
from money import format_money
from sales.models import Delivery, OrderEvent, OrderLine

DISCORD_EPOCH_MS = 1_420_070_400_000


def snowflake_created_at(snowflake: str) -> datetime | None:
    """When a Discord account was made: the top 42 bits of its id are ms since 2015."""
    if not snowflake.isdigit():
        return None
    return datetime.fromtimestamp(((int(snowflake) >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _review(order: Any) -> dict | None:
    """The buyer's review of this order, when the reviews feature has one."""
    try:
        from trust.selectors import order_review
    except ImportError:
        return None
    review = order_review(order=order)
    if review is None:
        return None
    return {"stars": review.stars, "comment": review.comment, "reply": review.reply,
            "hidden": review.hidden_at is not None, "created_at": _iso(review.created_at)}


def _deliveries(dispute: Dispute) -> list[dict]:
    order = dispute.order
    rows = list(Delivery.objects.for_tenant(dispute.tenant_id).filter(order=order).order_by("id"))
    messages: dict[str, list[dict]] = {}
    for event in AuditEvent.objects.filter(  # this order's deliveries only
            tenant_id=dispute.tenant_id, action="delivery.message",
            target_type="sales.delivery", target_id__in=[str(d.pk) for d in rows],
    ).order_by("created_at"):
        messages.setdefault(event.target_id, []).append(
            {"via": event.data.get("via", ""), "message_id": event.data.get("message_id", ""),
             "channel_id": event.data.get("channel_id", ""), "at": _iso(event.created_at)})
    return [{"id": d.pk, "kind": d.kind, "kind_label": d.get_kind_display(), "state": d.state,
             "state_label": d.get_state_display(), "role_id": d.role_id,
             "created_at": _iso(d.created_at), "done_at": _iso(d.done_at),
             "attempts": d.attempts, "discord_messages": messages.get(str(d.pk), [])}
            for d in rows]


def bundle_data(dispute: Dispute) -> dict:
    order, payment, customer = dispute.order, dispute.payment, dispute.customer
    created = snowflake_created_at(customer.discord_user_id) if customer else None
    bought_at = (order.paid_at or order.created_at) if order else None
    age_days = (bought_at - created).days if created and bought_at else None
    lines = OrderLine.objects.for_tenant(dispute.tenant_id).filter(order=order) if order else []
    events = (OrderEvent.objects.for_tenant(dispute.tenant_id).filter(order=order)
              .order_by("at", "id") if order else [])
    return {
        "generated_at": _iso(timezone.now()),
        "shop": {"name": dispute.tenant.name, "discord_guild_id": dispute.tenant.discord_guild_id},
        "dispute": {"provider": dispute.provider, "id": dispute.external_id,
                    "kind": dispute.kind, "state": dispute.state, "reason": dispute.reason,
                    "amount_cents": dispute.amount_cents, "currency": dispute.currency,
                    "opened_at": _iso(dispute.opened_at), "answer_by": _iso(dispute.deadline_at)},
        "order": None if order is None else {
            "code": order.code, "status": order.status, "created_at": _iso(order.created_at),
            "paid_at": _iso(order.paid_at), "total_cents": order.total_cents,
            "lines": [{"product": li.product_name, "variant": li.variant_label,
                       "quantity": li.quantity, "unit_price_cents": li.unit_price_cents,
                       "delivery": li.fulfillment,
                       "delivery_label": str(dict(Fulfillment.choices).get(li.fulfillment,
                                                                          li.fulfillment))}
                      for li in lines],
            "timeline": [{"at": _iso(e.at), "from": e.from_status, "to": e.to_status,
                          "by": e.actor, "reason": e.reason} for e in events]},
        "payment": {"provider": payment.provider, "id": payment.provider_payment_id,
                    "method": payment.method, "amount_cents": payment.amount_cents,
                    "currency": payment.currency, "status": payment.status,
                    "created_at": _iso(payment.created_at),
                    "approved_at": _iso(payment.approved_at)},
        "deliveries": _deliveries(dispute) if order else [],
        "buyer": None if customer is None else {
            "discord_user_id": customer.discord_user_id, "name": customer.display_name,
            "discord_account_created_at": _iso(created), "account_age_days_at_purchase": age_days,
            "first_purchase_at": _iso(customer.first_purchase_at),
            "orders": customer.orders.count()},
        "review": _review(order) if order else None,
    }


def _readable(value: Any) -> Any:
    """The HTML summary's copy of the data: ISO instants as the reader's date and time."""
    if isinstance(value, dict):
        return {key: _readable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_readable(item) for item in value]
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    return value


def bundle_zip(dispute: Dispute) -> bytes:
    data = bundle_data(dispute)
    html = render_to_string("disputes/evidence.html", {
        "data": _readable(data), "dispute": dispute,
        "amount": format_money(dispute.amount_cents, dispute.currency),
        "total": format_money(data["order"]["total_cents"], dispute.currency)
        if data["order"] else "",
        "lines": [{**line, "unit": format_money(line["unit_price_cents"], dispute.currency)}
                  for line in (data["order"] or {}).get("lines", [])]})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("summary.html", html)
        archive.writestr("evidence.json", json.dumps(data, ensure_ascii=False, indent=2))
    return buffer.getvalue()
