"""Small builders for commerce tests (shared by tests/catalog, tests/sales, tests/api)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from catalog.models import Coupon, Product, Variant
from catalog.services import stock_add
from sales.models import Customer
from sales.services import customer_upsert
from sandbox.mercadopago.testing import MercadoPagoSandbox
from tenants.models import Tenant


def product(tenant: Tenant, name: str = "Chave Premium", **extra) -> Product:
    return Product.objects.create(tenant=tenant, name=name, **extra)


def variant(prod: Product, label: str = "30 dias", price_cents: int = 1990,
            keys: int = 0, **extra) -> Variant:
    v = Variant.objects.create(tenant=prod.tenant, product=prod, label=label,
                               price_cents=price_cents, **extra)
    if keys:
        stock_add(variant=v, actor=None, lines=[f"KEY-{v.pk}-{i:05d}" for i in range(keys)])
    return v


def customer(tenant: Tenant, discord_user_id: str = "111", name: str = "Comprador") -> Customer:
    return customer_upsert(tenant=tenant, discord_user_id=discord_user_id, display_name=name)


def coupon(tenant: Tenant, code: str = "PROMO10", **extra) -> Coupon:
    extra.setdefault("kind", Coupon.Kind.PERCENT)
    extra.setdefault("value", 10)
    return Coupon.objects.create(tenant=tenant, code=code, **extra)


@pytest.fixture
def mp(settings) -> Iterator[MercadoPagoSandbox]:
    with MercadoPagoSandbox() as sandbox:
        settings.MERCADOPAGO_API_BASE_URL = sandbox.url
        settings.MERCADOPAGO_ACCESS_TOKEN = "TEST-vitrine-commerce"
        yield sandbox
