"""Resend (/meuspedidos), staff endpoints (/entregar, /reembolsar) and settings: ownership,
staff checks and other tenants' ids (404)."""

from __future__ import annotations

import pytest

from payments.models import Payment
from payments.services import payment_reconcile_one
from sales import services
from sales.models import Delivery, Order
from tests.sales import factories as f

pytestmark = pytest.mark.django_db

STAFF = {"user_id": "42", "manage_guild": True}


def _paid(mp, tenant, discord_user_id: str) -> Order:
    variant = f.variant(f.product(tenant, name=f"P{discord_user_id}"), price_cents=1500, keys=2)
    buyer = f.customer(tenant, discord_user_id=discord_user_id)
    services.cart_add(customer=buyer, variant_id=variant.pk)
    result = services.checkout(customer=buyer)
    mp.approve(result.payment.provider_payment_id)
    payment_reconcile_one(payment=result.payment)
    result.order.refresh_from_db()
    return result.order


@pytest.fixture
def mine(shop, mp):
    order = _paid(mp, shop.tenant, "700")
    Delivery.objects.for_tenant(shop.tenant).filter(order=order).update(
        state=Delivery.State.DONE)
    return order


@pytest.fixture
def theirs(other_shop, mp):
    return _paid(mp, other_shop.tenant, "700")


def test_resend_own_delivered_order(bot, mine):
    answer = bot.post(f"orders/{mine.code}/resend/", {"discord_user_id": "700"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["count"] == 1 and mine.code in answer.json()["message"]


def test_resend_of_another_buyers_or_tenants_order_is_404(bot, other_bot, shop, mine, theirs):
    f.customer(shop.tenant, discord_user_id="701")
    other = bot.post(f"orders/{mine.code}/resend/", {"discord_user_id": "701"})
    assert other.status_code == 404 and other.json()["error"]["code"] == "order_not_found"
    assert bot.post(f"orders/{theirs.code}/resend/",
                    {"discord_user_id": "700"}).status_code == 404
    assert other_bot.post(f"orders/{mine.code}/resend/",
                          {"discord_user_id": "700"}).status_code == 404
    assert bot.post(f"orders/{mine.code}/resend/", {}).status_code == 400


def test_pending_order_has_nothing_to_resend(bot, shop):
    variant = f.variant(f.product(shop.tenant), keys=1)
    buyer = f.customer(shop.tenant, discord_user_id="702")
    services.cart_add(customer=buyer, variant_id=variant.pk)
    order = services.order_create_from_cart(customer=buyer)
    answer = bot.post(f"orders/{order.code}/resend/", {"discord_user_id": "702"})
    assert answer.status_code == 200 and answer.json()["count"] == 0


def test_settings(bot, shop):
    tenant = shop.tenant
    tenant.discord_guild_id, tenant.staff_role_id = "55", "66"
    tenant.save(update_fields=["discord_guild_id", "staff_role_id"])
    body = bot.get("settings/").json()
    assert body == {"guild_id": "55", "staff_role_id": "66", "card_enabled": False,
                    "locale": tenant.locale, "payment_methods": ["pix"]}


def test_deliver_needs_staff(bot, shop, mine):
    tenant = shop.tenant
    tenant.discord_guild_id, tenant.staff_role_id = "55", "66"
    tenant.save(update_fields=["discord_guild_id", "staff_role_id"])
    url = f"orders/{mine.code}/deliver/"
    refused = bot.post(url, {"user_id": "42", "guild_id": "55", "role_ids": ["1"]})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    wrong_guild = bot.post(url, {**STAFF, "guild_id": "56"})
    assert wrong_guild.status_code == 403
    by_role = bot.post(url, {"user_id": "42", "guild_id": "55", "role_ids": ["66"]})
    assert by_role.status_code == 200 and by_role.json()["count"] == 1
    by_perm = bot.post(url, {**STAFF, "guild_id": "55"})
    assert by_perm.status_code == 200


def test_deliver_retries_failed_deliveries(bot, shop, mine):
    Delivery.objects.for_tenant(shop.tenant).filter(order=mine).update(
        state=Delivery.State.FAILED, last_error="dm closed")
    answer = bot.post(f"orders/{mine.code}/deliver/", STAFF)
    assert answer.json()["count"] == 1
    assert Delivery.objects.for_tenant(shop.tenant).get(order=mine).state == \
        Delivery.State.PENDING


def test_staff_endpoints_refuse_other_tenants_orders(bot, other_bot, theirs, mine):
    assert bot.post(f"orders/{theirs.code}/deliver/", STAFF).status_code == 404
    assert bot.post(f"orders/{theirs.code}/refund/",
                    {**STAFF, "reason": "x"}).status_code == 404
    assert other_bot.post(f"orders/{mine.code}/refund/",
                          {**STAFF, "reason": "x"}).status_code == 404
    assert Payment.objects.unscoped().filter(status=Payment.Status.REFUNDED).count() == 0


def test_refund(bot, shop, mine):
    refused = bot.post(f"orders/{mine.code}/refund/", {"user_id": "42", "reason": "pedido"})
    assert refused.status_code == 403
    assert bot.post(f"orders/{mine.code}/refund/", {**STAFF, "reason": ""}).status_code == 400
    answer = bot.post(f"orders/{mine.code}/refund/", {**STAFF, "reason": "pediu"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["refunded_cents"] == 1500
    again = bot.post(f"orders/{mine.code}/refund/", {**STAFF, "reason": "pediu"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_refundable"


def test_refund_of_unpaid_order_is_refused(bot, shop):
    variant = f.variant(f.product(shop.tenant), keys=1)
    buyer = f.customer(shop.tenant, discord_user_id="703")
    services.cart_add(customer=buyer, variant_id=variant.pk)
    order = services.order_create_from_cart(customer=buyer)
    answer = bot.post(f"orders/{order.code}/refund/", {**STAFF, "reason": "x"})
    assert answer.status_code == 409 and order.code in answer.json()["error"]["message"]
