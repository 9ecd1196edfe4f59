"""Writes for products' custom fields (catalog.models.ProductField)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max

import audit
from catalog.fields import MAX_FIELDS
from catalog.models import Product, ProductField


class FieldLimit(Exception):
    """A product holds at most MAX_FIELDS fields (a Discord modal's five inputs)."""


@transaction.atomic
def product_field_add(*, product: Product, actor: Any, **data: Any) -> ProductField:
    locked = Product.objects.for_tenant(product.tenant_id).select_for_update().get(pk=product.pk)
    fields = ProductField.objects.for_tenant(product.tenant_id).filter(product=locked)
    if fields.count() >= MAX_FIELDS:
        raise FieldLimit
    last = fields.aggregate(last=Max("sort_order"))["last"]
    field = ProductField.objects.create(tenant_id=product.tenant_id, product=locked,
                                        sort_order=(last or 0) + 1, **data)
    audit.record(actor=actor, tenant=product.tenant, action="product.field_add", target=locked,
                 data={"key": field.key, "kind": field.kind, "required": field.required,
                       "private": field.private})
    return field


@transaction.atomic
def product_field_delete(*, field: ProductField, actor: Any) -> None:
    audit.record(actor=actor, tenant=field.tenant, action="product.field_delete",
                 target=field.product, data={"key": field.key})
    field.delete()
