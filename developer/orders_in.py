"""POST /api/v1/orders/: the request shape and the idempotent create (one order per
Idempotency-Key; the same key with another body is a 409)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction
from rest_framework import exceptions, serializers

from developer.models import ApiKey, IdempotencyKey
from sales.models import Order
from sales.services.external_orders import Item, order_create_paid_elsewhere


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "this Idempotency-Key was used with another request"
    default_code = "idempotency_conflict"


class BuyerIn(serializers.Serializer):
    discord_user_id = serializers.RegexField(r"^[0-9]{1,20}$")
    display_name = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                         default="")


class ItemIn(serializers.Serializer):
    variant_id = serializers.IntegerField(min_value=1, max_value=2**62)
    quantity = serializers.IntegerField(min_value=1, max_value=100, default=1)
    answers = serializers.DictField(child=serializers.CharField(max_length=300,
                                                                allow_blank=True),
                                    required=False, default=dict)


class OrderCreateIn(serializers.Serializer):
    customer = BuyerIn()
    items = ItemIn(many=True, min_length=1, max_length=25)
    reference = serializers.CharField(max_length=80, required=False, allow_blank=True,
                                      default="", help_text="Your own order id, for the log.")


def _hash(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def order_create(*, key: ApiKey, idempotency_key: str,
                 data: dict[str, Any]) -> tuple[Order, bool]:
    """(order, created). A replay answers the first order; a race on the same key too."""
    idempotency_key = idempotency_key.strip()
    if not 1 <= len(idempotency_key) <= 100 or not idempotency_key.isprintable():
        raise exceptions.ValidationError("Idempotency-Key header: 1 to 100 characters")
    digest = _hash(data)
    seen = _seen(key, idempotency_key, digest)
    if seen is not None:
        return seen, False
    try:
        with transaction.atomic():
            order = order_create_paid_elsewhere(
                tenant=key.tenant, discord_user_id=data["customer"]["discord_user_id"],
                display_name=data["customer"]["display_name"], reference=data["reference"],
                items=[Item(variant_id=i["variant_id"], quantity=i["quantity"],
                            answers=i["answers"]) for i in data["items"]])
            IdempotencyKey.objects.create(tenant_id=key.tenant_id, key=idempotency_key,
                                          request_hash=digest, order=order)
    except IntegrityError:  # the same key, concurrently: the first one's order
        seen = _seen(key, idempotency_key, digest)
        if seen is None:
            raise
        return seen, False
    return order, True


def _seen(key: ApiKey, idempotency_key: str, digest: str) -> Order | None:
    row = (IdempotencyKey.objects.for_tenant(key.tenant_id).select_related("order")
           .filter(key=idempotency_key).first())
    if row is None:
        return None
    if row.request_hash != digest:
        raise Conflict()
    return row.order
