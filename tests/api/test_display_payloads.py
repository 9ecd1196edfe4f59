"""Bot API payloads carry what the bot shows: money formatted for the shop (currency and
language), status labels, the order's stage and outcome, and the actions allowed."""

from __future__ import annotations

import pytest

from sales.models import Delivery, Order
from tests.api.test_staff_and_resend import _paid
from tests.sales import factories as f

pytestmark = pytest.mark.django_db


def test_cart_lines_and_totals_are_formatted_for_the_shop(bot, shop):
    variant = f.variant(f.product(shop.tenant, name="Curso"), price_cents=123456, keys=3)
    f.coupon(shop.tenant, code="DEZ")
    bot.post("customers/", {"discord_user_id": "42"})
    bot.post("customers/42/cart/items/", {"variant_id": variant.pk, "quantity": 2})
    cart = bot.put("customers/42/cart/coupon/", {"code": "DEZ"}).json()
    [line] = cart["lines"]
    assert line["unit_price_display"] == "R$ 1.234,56"
    assert line["total_display"] == "R$ 2.222,21"  # the coupon's share is off the line
    assert cart["subtotal_display"] == "R$ 2.469,12"
    assert cart["discount_display"] == "R$ 246,91" and cart["total_display"] == "R$ 2.222,21"


def test_an_english_dollar_shop_reads_dollars(bot, shop):
    tenant = shop.tenant
    tenant.locale, tenant.currency = "en", "USD"
    tenant.save(update_fields=["locale", "currency"])
    f.variant(f.product(tenant, name="Course"), price_cents=1990, keys=1)
    [product] = bot.get("catalog/").json()["products"]
    assert product["variants"][0]["price_display"] == "$19.90"


def test_order_carries_stage_outcome_and_allowed_actions(bot, shop, mp):
    order = _paid(mp, shop.tenant, "700")
    body = bot.get(f"orders/{order.code}/").json()
    assert (body["stage"], body["outcome"], body["tone"]) == ("delivering", "delivering",
                                                             "brand")
    assert body["can_refund"] is True and body["can_resend"] is False
    assert body["lines"][0]["line_total_display"] == "R$ 15,00"
    Delivery.objects.for_tenant(shop.tenant).update(state=Delivery.State.DONE)
    Order.objects.for_tenant(shop.tenant).filter(pk=order.pk).update(status="delivered")
    [listed] = bot.get("customers/700/orders/").json()["orders"]
    assert (listed["stage"], listed["outcome"], listed["tone"]) == ("final", "delivered",
                                                                   "success")
    assert listed["can_resend"] is True and listed["can_refund"] is True
    assert listed["status_display"] == "Entregue"
    bot.post(f"orders/{order.code}/refund/", {"user_id": "1", "manage_guild": True,
                                              "reason": "pediu"})
    [after] = bot.get("customers/700/orders/").json()["orders"]
    assert (after["stage"], after["outcome"], after["tone"]) == ("final", "refunded", "danger")
    assert after["can_refund"] is False and after["can_resend"] is False


@pytest.mark.parametrize("status", ["cancelled", "charged_back", "expired"])
def test_every_final_status_has_an_outcome(bot, shop, status):
    variant = f.variant(f.product(shop.tenant), keys=1)
    buyer = f.customer(shop.tenant, discord_user_id="702")
    from sales import services

    services.cart_add(customer=buyer, variant_id=variant.pk)
    order = services.order_create_from_cart(customer=buyer)
    Order.objects.for_tenant(shop.tenant).filter(pk=order.pk).update(status=status)
    body = bot.get(f"orders/{order.code}/").json()
    assert (body["stage"], body["outcome"], body["tone"]) == ("final", status, "danger")
