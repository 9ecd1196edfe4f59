"""A shop selling an SMM service: a product asking the buyer for a profile link, variants
mapped to the SMM sandbox's services, the shop's panel set to the sandbox; payments through
the Mercado Pago sandbox (so refunds are real provider refunds)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from catalog.models import ProductField
from payments import services as payments
from sales import services
from sales.fulfillment.services import delivery_run
from sales.models import Delivery, Order
from sandbox.smm.testing import SmmSandbox
from smm.models import Panel, ServiceMapping
from tests.sales import factories as f
from tests.sales.factories import mp  # noqa: F401

LINK = "https://instagram.com/alice"


@pytest.fixture
def panel_sb() -> Iterator[SmmSandbox]:
    with SmmSandbox() as sandbox:
        yield sandbox


@dataclass
class Shop:
    tenant: Any
    owner: Any
    product: Any
    followers: Any  # service 1: completes (refill allowed)
    likes: Any  # service 2: ends Partial, 40% undelivered
    views: Any  # service 3: Canceled
    panel: Panel
    buyer: Any


def service_variant(product, label: str, price_cents: int, service_id: int, per_unit: int,
                    refill: bool = False):
    variant = f.variant(product, label, price_cents=price_cents, fulfillment="service")
    ServiceMapping.objects.create(tenant=product.tenant, variant=variant, service_id=service_id,
                                  quantity_per_unit=per_unit, link_field="link", refill=refill)
    return variant


@pytest.fixture
def smm_shop(shop, panel_sb, mp) -> Shop:  # noqa: F811
    tenant = shop.tenant
    product = f.product(tenant, "Seguidores Instagram")
    ProductField.objects.create(tenant=tenant, product=product, key="link",
                                label="Link do perfil", kind="url", required=True)
    ProductField.objects.create(tenant=tenant, product=product, key="email",
                                label="E-mail", kind="email", required=False, private=True)
    panel = Panel.objects.create(tenant=tenant, url=panel_sb.api_url, api_key=panel_sb.api_key)
    return Shop(tenant=tenant, owner=shop.owner, product=product,
                followers=service_variant(product, "1000 seguidores", 1000, 1, 1000, True),
                likes=service_variant(product, "1000 curtidas", 1000, 2, 1000, True),
                views=service_variant(product, "1000 views", 500, 3, 1000),
                panel=panel, buyer=f.customer(tenant, "4242", "Alice"))


def buy_paid(shop: Shop, mp, variant, quantity: int = 1,  # noqa: F811
             answers: dict | None = None) -> Order:
    """Cart with answers -> checkout -> the MP sandbox approves -> the payment is synced."""
    services.cart_add(customer=shop.buyer, variant_id=variant.pk, quantity=quantity,
                      answers=answers if answers is not None else {"link": LINK})
    payment = services.checkout(customer=shop.buyer).payment
    mp.approve(payment.provider_payment_id)
    payments.payment_sync(provider_payment_id=payment.provider_payment_id)
    return Order.objects.for_tenant(shop.tenant).get(pk=payment.payable_id)


def deliver(order: Order) -> list[str]:
    """What the fulfillment worker does for the order's pending deliveries."""
    return [delivery_run(tenant_id=order.tenant_id, delivery_id=d.pk).result
            for d in Delivery.objects.for_tenant(order.tenant_id).filter(
                order=order, state=Delivery.State.PENDING)]
