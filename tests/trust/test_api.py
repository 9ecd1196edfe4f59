"""Trust's Bot API: the buyer's review, the ratings, the staff's approval — each scoped to
the token's shop (another shop's token gets 404), bad input 400 with nothing written."""

from __future__ import annotations

import pytest
from django.db import transaction

from payments.registry import Outcome, dispatch
from sales import services as sales
from sales.models import Order, OrderStatus
from tests.sales import factories as f
from tests.trust.conftest import rules
from trust.models import Review

pytestmark = pytest.mark.django_db

STAFF = {"user_id": "900", "role_ids": [], "manage_guild": True}


def _order(shop, *, status=OrderStatus.DELIVERED, discord_user_id="321") -> Order:
    v = f.variant(f.product(shop.tenant, name="Curso"), price_cents=1990, keys=2)
    buyer = f.customer(shop.tenant, discord_user_id)
    sales.cart_add(customer=buyer, variant_id=v.pk, quantity=1)
    result = sales.checkout(customer=buyer)
    with transaction.atomic():
        dispatch(result.payment, Outcome.APPROVED)
    if status:
        Order.objects.for_tenant(shop.tenant).filter(pk=result.order.pk).update(status=status)
    result.order.refresh_from_db()
    return result.order


def test_review_then_edit_then_ratings(shop, bot, other_bot, mp):
    order = _order(shop)
    body = {"order": order.code, "discord_user_id": "321", "stars": 5, "comment": "Top"}
    assert other_bot.post("reviews/", body).status_code == 404  # not that shop's order
    response = bot.post("reviews/", body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["created"] and data["stars"] == 5 and "Obrigado" in data["message"]
    again = bot.post("reviews/", {**body, "stars": 3}).json()
    assert not again["created"] and again["stars"] == 3
    ratings = bot.get("ratings/").json()
    product_id = str(Review.objects.for_tenant(shop.tenant).get().products.get().pk)
    assert ratings["shop"] == {"average": 3.0, "count": 1}
    assert ratings["products"] == {product_id: {"average": 3.0, "count": 1}}
    assert other_bot.get("ratings/").json() == {"shop": None, "products": {}}


@pytest.mark.parametrize("body", [
    {"stars": 0}, {"stars": 6}, {"stars": "cinco"}, {"stars": True}, {"discord_user_id": "12a"},
    {"order": "ÇÇ"}, {"comment": "x" * 1001}, {"stars": None}])
def test_bad_reviews_are_400_and_write_nothing(shop, bot, mp, body):
    order = _order(shop)
    base = {"order": order.code, "discord_user_id": "321", "stars": 5}
    response = bot.post("reviews/", {**base, **body})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_request"
    assert not Review.objects.for_tenant(shop.tenant).exists()


def test_someone_else_or_an_undelivered_order_is_refused(shop, bot, mp):
    order = _order(shop)
    response = bot.post("reviews/", {"order": order.code, "discord_user_id": "1", "stars": 5})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "review_not_allowed"
    pending = _order(shop, status=None, discord_user_id="777")
    assert pending.status == "paid"
    response = bot.post("reviews/", {"order": pending.code, "discord_user_id": "777",
                                     "stars": 5})
    assert response.json()["error"]["code"] == "review_not_allowed"


def test_staff_approves_a_held_order(shop, bot, other_bot, mp):
    rules(shop.tenant, review_first_purchase_above_cents=100)
    order = _order(shop, status=None)
    assert order.status == "on_hold"
    url = f"orders/{order.code}/approve/"
    assert other_bot.post(url, STAFF).status_code == 404
    refused = bot.post(url, {**STAFF, "manage_guild": False})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert bot.post(url, {"user_id": "x"}).status_code == 400
    order.refresh_from_db()
    assert order.status == "on_hold"
    done = bot.post(url, STAFF)
    assert done.status_code == 200 and done.json()["status"] == "paid"
    again = bot.post(url, STAFF)
    assert again.status_code == 409 and again.json()["error"]["code"] == "order_not_held"
    assert bot.post("orders/NOPE/approve/", STAFF).status_code == 404
