"""The Painel shows the shop's real figures and next steps."""

from __future__ import annotations

from django.urls import reverse

from payments.registry import Outcome, dispatch
from sales import services
from tests.sales import factories as f
from tests.sales.factories import mp  # noqa: F401


def test_dashboard_counts_a_paid_order(shop, client_for, mp):  # noqa: F811
    product = f.product(shop.tenant)
    variant = f.variant(product, price_cents=2500, keys=2)
    buyer = f.customer(shop.tenant)
    services.cart_add(customer=buyer, variant_id=variant.pk, quantity=1)
    result = services.checkout(customer=buyer)
    dispatch(result.payment, Outcome.APPROVED)

    response = client_for(shop.viewer).get(reverse("portal:dashboard", args=[shop.tenant.slug]))
    assert response.status_code == 200
    assert response.context["sales_today_cents"] == 2500
    assert response.context["orders_this_month"] == 1
    assert result.order.code.encode() in response.content
    steps = {step.label: step.done for step in response.context["steps"]}
    assert list(steps.values()) == [True, False, True, False]  # product added, bot not yet


def test_empty_shop_dashboard(shop, client_for):
    response = client_for(shop.owner).get(reverse("portal:dashboard", args=[shop.tenant.slug]))
    assert response.context["sales_today_cents"] == 0
    assert response.context["runtime"] is None
    assert b"R$ 0,00" in response.content
