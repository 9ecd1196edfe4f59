"""The buyer's cart thread: recorded and cleared by the bot, per shop."""

from __future__ import annotations

from sales.models import Customer
from tests.sales import factories as f

BUYER = "222333444555666777"
THREAD = "333444555666777888"


def _thread(shop) -> str:
    return Customer.objects.for_tenant(shop.tenant).get(discord_user_id=BUYER).cart_thread_id


def test_put_stores_and_delete_clears_the_thread(shop, bot):
    f.customer(shop.tenant, BUYER)
    response = bot.put(f"customers/{BUYER}/thread/", {"thread_id": THREAD})
    assert response.status_code == 200
    assert response.json()["cart_thread_id"] == THREAD and _thread(shop) == THREAD
    # The upsert answer carries it too, so the bot can reuse an open thread.
    upsert = bot.post("customers/", {"discord_user_id": BUYER, "display_name": "Bia"})
    assert upsert.json()["cart_thread_id"] == THREAD

    response = bot.delete(f"customers/{BUYER}/thread/")
    assert response.status_code == 200
    assert response.json()["cart_thread_id"] == "" and _thread(shop) == ""


def test_bad_thread_ids_are_refused_and_change_nothing(shop, bot):
    f.customer(shop.tenant, BUYER)
    bot.put(f"customers/{BUYER}/thread/", {"thread_id": THREAD})
    for body in ({"thread_id": "abc"}, {"thread_id": "1" * 21}, {"thread_id": ""}, {}):
        response = bot.put(f"customers/{BUYER}/thread/", body)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_request"
    response = bot.put(f"customers/{BUYER}/thread/", {"thread_id": THREAD, "x": "y" * 70_000})
    assert response.status_code == 413
    assert _thread(shop) == THREAD


def test_unknown_customer_answers_404(shop, bot):
    response = bot.put(f"customers/{BUYER}/thread/", {"thread_id": THREAD})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "customer_not_found"
    assert bot.delete("customers/not-an-id/thread/").status_code == 404


def test_another_shops_token_cannot_touch_the_thread(shop, bot, other_bot):
    f.customer(shop.tenant, BUYER)
    bot.put(f"customers/{BUYER}/thread/", {"thread_id": THREAD})
    assert other_bot.put(f"customers/{BUYER}/thread/",
                         {"thread_id": "444555666777888999"}).status_code == 404
    assert other_bot.delete(f"customers/{BUYER}/thread/").status_code == 404
    assert _thread(shop) == THREAD
