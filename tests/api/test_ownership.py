"""Tenant A's token asking for tenant B's ids gets 404, on every endpoint with an id."""

from __future__ import annotations

import pytest

from sales import services
from tests.sales import factories as f


@pytest.fixture
def theirs(other_shop):
    prod = f.product(other_shop.tenant, name="Deles")
    v = f.variant(prod, keys=2)
    customer = f.customer(other_shop.tenant, discord_user_id="900")
    services.cart_add(customer=customer, variant_id=v.pk)
    order = services.order_create_from_cart(customer=customer)
    f.coupon(other_shop.tenant, code="DELES")
    return prod, v, customer, order


def test_other_tenants_ids_are_404(bot, other_bot, theirs, shop):
    prod, v, _customer, order = theirs
    assert bot.get("customers/900/cart/").status_code == 404
    assert bot.get("customers/900/orders/").status_code == 404
    assert bot.post("customers/900/checkout/", {}).status_code == 404
    assert bot.get(f"orders/{order.code}/").status_code == 404
    assert bot.post(f"orders/{order.code}/payment/").status_code == 404
    assert bot.put(f"products/{prod.pk}/posts/", {"channel_id": "1",
                                                  "message_id": "2"}).status_code == 404
    bot.post("customers/", {"discord_user_id": "900"})  # same Discord user, our shop
    assert bot.post("customers/900/cart/items/", {"variant_id": v.pk}).json()["error"][
        "code"] == "variant_not_found"
    assert bot.put("customers/900/cart/coupon/", {"code": "deles"}).status_code == 404
    assert bot.put(f"customers/900/cart/items/{v.pk}/", {"quantity": 1}).status_code == 404
    assert bot.delete(f"customers/900/cart/items/{v.pk}/").status_code == 404
    assert "Deles" not in bot.get("catalog/").content.decode()
    # The other shop's own token still sees its things.
    assert other_bot.get(f"orders/{order.code}/").status_code == 200
    assert other_bot.get("customers/900/cart/").status_code == 200
