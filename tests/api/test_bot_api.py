"""Bot API: auth, the buying flow over HTTP, error codes and languages."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.utils import translation

from catalog.models import ProductPost, StockItem
from sales.errors import SalesError
from sales.models import Order
from tenants.models import InstanceToken
from tenants.services import instance_token_revoke
from tests.sales import factories as f


@pytest.fixture
def stocked(shop):
    prod = f.product(shop.tenant, channel_id="555")
    v = f.variant(prod, keys=3, emoji="🔑")
    f.variant(prod, label="Inativa", is_active=False)
    return prod, v


def _err(response) -> str:
    return response.json()["error"]["code"]


def test_no_token_bad_token_and_revoked_token_are_refused(shop, bot, client):
    assert _err(client.get("/api/bot/v1/catalog/")) == "unauthorized"
    response = client.get("/api/bot/v1/catalog/", HTTP_AUTHORIZATION="Bearer vtr_x_y")
    assert response.status_code == 401 and _err(response) == "unauthorized"
    assert bot.get("catalog/").status_code == 200
    assert InstanceToken.objects.for_tenant(shop.tenant).get().last_used_at is not None
    instance_token_revoke(token=InstanceToken.objects.for_tenant(shop.tenant).get(), actor=None)
    assert bot.get("catalog/").status_code == 401


def test_suspended_tenant_is_refused(shop, bot):
    shop.tenant.status = "suspended"
    shop.tenant.save()
    assert _err(bot.get("catalog/")) == "tenant_suspended"


def test_catalog_lists_active_variants_with_stock(bot, stocked, django_assert_max_num_queries):
    prod, v = stocked
    ProductPost.objects.create(tenant=prod.tenant, product=prod, channel_id="555",
                               message_id="777")
    # 7: one more than before prices per currency, still constant (prefetched per list).
    with django_assert_max_num_queries(7):
        body = bot.get("catalog/").json()
    assert body["currency"] == "BRL"
    [product] = body["products"]
    assert product["channel_id"] == "555" and product["posts"][0]["message_id"] == "777"
    [variant] = product["variants"]
    assert variant["id"] == v.pk and variant["price_display"] == "R$ 19,90"
    assert variant["stock"] == {"available": 3, "reserved": 0, "sold": 0}


def test_full_flow_over_http(bot, stocked, mp, shop):
    _prod, v = stocked
    f.coupon(shop.tenant, code="DEZ")
    assert bot.post("customers/", {"discord_user_id": "42", "display_name": "Ana"}).json()[
        "display_name"] == "Ana"
    cart = bot.post("customers/42/cart/items/", {"variant_id": v.pk, "quantity": 2}).json()
    assert cart["total_cents"] == 3980
    cart = bot.put(f"customers/42/cart/items/{v.pk}/", {"quantity": 1}).json()
    assert cart["lines"][0]["quantity"] == 1
    cart = bot.put("customers/42/cart/coupon/", {"code": "dez"}).json()
    assert (cart["coupon"], cart["total_cents"]) == ("DEZ", 1791)
    response = bot.post("customers/42/checkout/", {"expected_total_cents": 1791,
                                                   "unit_price_cents": 1})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["order"]["total_cents"] == 1791 and body["payment"]["pix_code"]
    code = body["order"]["code"]
    status = bot.get(f"orders/{code}/").json()
    assert status["status"] == "pending_payment" and status["payment"]["amount_cents"] == 1791
    assert [o["code"] for o in bot.get("customers/42/orders/").json()["orders"]] == [code]
    assert bot.get("customers/42/cart/").json()["lines"] == []
    again = bot.post(f"orders/{code}/payment/")
    assert again.status_code == 201 and again.json()["payment_id"] == body["payment"]["payment_id"]


def test_payment_unavailable_is_retryable(bot, stocked, settings, shop):
    _prod, v = stocked
    settings.MERCADOPAGO_API_BASE_URL = "http://127.0.0.1:9"
    settings.MERCADOPAGO_ACCESS_TOKEN = "TEST-x"
    bot.post("customers/", {"discord_user_id": "42"})
    bot.post("customers/42/cart/items/", {"variant_id": v.pk})
    response = bot.post("customers/42/checkout/", {})
    assert response.status_code == 503 and _err(response) == "payment_unavailable"
    details = response.json()["error"]["details"]
    assert details["retryable"] is True
    assert Order.objects.for_tenant(shop.tenant).get(code=details["order"]).status == (
        "pending_payment")


@pytest.mark.parametrize("body,code", [
    ({"variant_id": "x"}, "invalid_request"),
    ({"quantity": 1}, "invalid_request"),
    ({"variant_id": 1, "quantity": 0}, "quantity_invalid"),
    ({"variant_id": 1, "quantity": -5}, "quantity_invalid"),
    ({"variant_id": 1, "quantity": 10**30}, "quantity_invalid"),
    ({"variant_id": 10**9, "quantity": 1}, "variant_not_found"),
])
def test_bad_cart_input(bot, stocked, body, code):
    bot.post("customers/", {"discord_user_id": "42"})
    response = bot.post("customers/42/cart/items/", body)
    assert _err(response) == code
    assert bot.get("customers/42/cart/").json()["lines"] == []


def test_errors_speak_the_shop_language(bot, stocked, shop):
    _prod, v = stocked
    bot.post("customers/", {"discord_user_id": "42"})
    response = bot.post("customers/42/cart/items/", {"variant_id": v.pk, "quantity": 50})
    assert _err(response) == "out_of_stock"
    with translation.override("pt-br"):
        expected = SalesError("out_of_stock", item=str(v), available=3).message()
    assert response.json()["error"]["message"] == expected
    shop.tenant.locale = "en"
    shop.tenant.save()
    response = bot.post("customers/42/cart/items/", {"variant_id": v.pk, "quantity": 50})
    assert response.json()["error"]["message"].startswith("Not enough stock")


def test_blocked_customer_gets_its_code(bot, stocked, shop):
    _prod, v = stocked
    customer = f.customer(shop.tenant, discord_user_id="42")
    customer.is_blocked = True
    customer.save()
    response = bot.post("customers/42/cart/items/", {"variant_id": v.pk})
    assert response.status_code == 403 and _err(response) == "customer_blocked"
    assert _err(bot.post("customers/42/checkout/", {})) == "customer_blocked"


def test_unknown_customer_and_malformed_ids(bot):
    assert _err(bot.get("customers/42/cart/")) == "customer_not_found"
    assert _err(bot.get("customers/abc/cart/")) == "customer_not_found"
    assert _err(bot.post("customers/", {"discord_user_id": "abc"})) == "invalid_request"


def test_body_size_limit(bot):
    response = bot.client.post("/api/bot/v1/heartbeat/", data="x" * (65 * 1024),
                               content_type="application/json")
    assert response.status_code == 413 and _err(response) == "payload_too_large"


def test_invalid_json_is_a_clean_error(bot):
    response = bot.client.post("/api/bot/v1/heartbeat/", data="{nope",
                               content_type="application/json")
    assert response.status_code == 400 and _err(response) == "invalid_request"


def test_post_bookkeeping_and_heartbeat(bot, stocked):
    prod, _v = stocked
    response = bot.put(f"products/{prod.pk}/posts/", {"channel_id": "555", "message_id": "9"})
    assert response.json() == {"channel_id": "555", "message_id": "9", "needs_refresh": False}
    bot.put(f"products/{prod.pk}/posts/", {"channel_id": "555", "message_id": "10"})
    assert ProductPost.objects.for_tenant(prod.tenant).get().message_id == "10"
    assert bot.post("heartbeat/", {"version": "1.0"}).json()["ok"] is True
    from sales.selectors import bot_heartbeat

    assert bot_heartbeat(tenant=prod.tenant)["version"] == "1.0"


def test_stock_is_untouched_by_a_failed_checkout(bot, stocked, shop):
    _prod, v = stocked
    bot.post("customers/", {"discord_user_id": "42"})
    bot.post("customers/42/cart/items/", {"variant_id": v.pk})
    assert _err(bot.post("customers/42/checkout/", {"expected_total_cents": 1})) == (
        "price_changed")
    assert StockItem.objects.for_tenant(shop.tenant).filter(status="available").count() == 3


def test_openapi_schema_is_valid(tmp_path):
    out = tmp_path / "schema.json"
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json",
                 "--file", str(out))
    paths = json.loads(out.read_text())["paths"]
    assert "/api/bot/v1/customers/{discord_user_id}/checkout/" in paths


def test_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_cart_remove_line_coupon_and_clear(bot, stocked, shop):
    _prod, v = stocked
    f.coupon(shop.tenant, code="DEZ")
    bot.post("customers/", {"discord_user_id": "42"})
    bot.post("customers/42/cart/items/", {"variant_id": v.pk})
    assert bot.put("customers/42/cart/coupon/", {"code": "DEZ"}).json()["coupon"] == "DEZ"
    assert bot.delete("customers/42/cart/coupon/").json()["coupon"] is None
    assert _err(bot.put("customers/42/cart/coupon/", {"code": "nope"})) == "coupon_not_found"
    assert bot.delete(f"customers/42/cart/items/{v.pk}/").json()["lines"] == []
    assert _err(bot.delete(f"customers/42/cart/items/{v.pk}/")) == "line_not_found"
    bot.post("customers/42/cart/items/", {"variant_id": v.pk})
    assert bot.delete("customers/42/cart/").json()["lines"] == []
    assert _err(bot.post("customers/42/checkout/", {})) == "cart_empty"


def test_inactive_variant_and_other_methods(bot, stocked):
    prod, _v = stocked
    inactive = prod.variants.get(label="Inativa")
    bot.post("customers/", {"discord_user_id": "42"})
    assert _err(bot.post("customers/42/cart/items/", {"variant_id": inactive.pk})) == (
        "variant_unavailable")
    response = bot.client.patch("/api/bot/v1/catalog/")
    assert response.status_code == 405 and _err(response) == "method_not_allowed"


def test_cart_endpoints_run_bounded_queries(bot, shop, django_assert_max_num_queries):
    prod = f.product(shop.tenant)
    bot.post("customers/", {"discord_user_id": "42"})
    for size in (1, 12):
        for i in range(size):
            v = f.variant(prod, label=f"{size}-{i}", keys=2)
            with django_assert_max_num_queries(20):
                bot.post("customers/42/cart/items/", {"variant_id": v.pk})
        with django_assert_max_num_queries(10):
            assert len(bot.get("customers/42/cart/").json()["lines"]) == (1 if size == 1 else 13)
        with django_assert_max_num_queries(20):
            assert bot.put(f"customers/42/cart/items/{v.pk}/", {"quantity": 2}).status_code == 200


def test_stale_cart_reads_empty_and_cannot_be_checked_out(bot, stocked):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    _prod, v = stocked
    bot.post("customers/", {"discord_user_id": "42"})
    bot.post("customers/42/cart/items/", {"variant_id": v.pk})
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert bot.get("customers/42/cart/").json()["lines"] == []
        assert _err(bot.post("customers/42/checkout/", {})) == "cart_expired"
        assert bot.post("customers/42/cart/items/", {"variant_id": v.pk}).status_code == 200
