"""The public shop API: an API key per shop with scopes; every endpoint scoped to the key's
shop (another shop's key gets 404, never the rows), scopes enforced, revoked keys refused,
rate limited per key, errors in one shape."""

from __future__ import annotations

import pytest
from django.test import Client

from developer import api, keys
from sales import services
from tests.sales import factories as f

pytestmark = pytest.mark.django_db
ALL = keys.SCOPE_NAMES


@pytest.fixture
def data(shop, other_shop):
    variant = f.variant(f.product(shop.tenant, "Chave"), price_cents=1990, keys=3)
    buyer = f.customer(shop.tenant, "4242", "Alice")
    services.cart_add(customer=buyer, variant_id=variant.pk)
    order = services.order_create_from_cart(customer=buyer)
    _key, mine = keys.key_create(tenant=shop.tenant, actor=shop.owner, name="erp", scopes=ALL)
    _other, theirs = keys.key_create(tenant=other_shop.tenant, actor=other_shop.owner,
                                     name="x", scopes=ALL)
    return {"order": order, "variant": variant, "mine": mine, "theirs": theirs}


def _get(token: str, path: str):
    return Client().get(f"/api/v1/{path}", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_own_key_reads_everything(data):
    order, variant = data["order"], data["variant"]
    products = _get(data["mine"], "products/").json()["results"]
    assert [p["name"] for p in products] == ["Chave"]
    assert _get(data["mine"], f"products/{variant.product_id}/").json()["variants"][0][
        "price_cents"] == 1990
    stock = _get(data["mine"], "stock/").json()["results"]
    assert stock == [{"variant_id": variant.pk, "product_id": variant.product_id,
                      "available": 2, "reserved": 1, "sold": 0}]
    assert _get(data["mine"], "orders/").json()["results"][0]["code"] == order.code
    assert _get(data["mine"], f"orders/{order.code}/").json()["customer"] == "4242"
    assert _get(data["mine"], f"orders/{order.code}/deliveries/").json() == {"results": []}
    assert _get(data["mine"], "customers/").json()["results"][0]["display_name"] == "Alice"


def test_other_shops_key_never_sees_my_rows(data):
    order, variant = data["order"], data["variant"]
    for path in (f"orders/{order.code}/", f"orders/{order.code}/deliveries/",
                 f"products/{variant.product_id}/"):
        response = _get(data["theirs"], path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    for path in ("products/", "orders/", "customers/", "stock/"):
        assert _get(data["theirs"], path).json()["results"] == []


def test_scopes_revocation_and_bad_tokens(shop, data):
    key, narrow = keys.key_create(tenant=shop.tenant, actor=shop.owner, name="p",
                                  scopes=["products:read"])
    assert _get(narrow, "products/").status_code == 200
    refused = _get(narrow, "orders/")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    keys.key_revoke(key=key, actor=shop.owner)
    assert _get(narrow, "products/").status_code == 401
    assert _get(narrow[:-1] + "x", "products/").status_code == 401
    assert Client().get("/api/v1/products/").status_code == 401
    instance_like = Client().get("/api/v1/products/", HTTP_AUTHORIZATION="Bearer abc")
    assert instance_like.status_code == 401
    assert instance_like.json()["error"]["code"] == "unauthorized"


def test_pages_are_bounded(data):
    assert _get(data["mine"], "orders/?limit=0").status_code == 400
    assert _get(data["mine"], "orders/?limit=101").status_code == 400
    assert _get(data["mine"], "orders/?offset=-1").status_code == 400
    assert _get(data["mine"], "orders/?limit=x").json()["error"]["code"] == "invalid_request"
    assert _get(data["mine"], "orders/?offset=1").json()["results"] == []


def test_rate_limited_per_key(data, monkeypatch):
    monkeypatch.setattr(api.PerKeyThrottle, "THROTTLE_RATES", {"public_api": "3/min"})
    codes = [_get(data["mine"], "products/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert _get(data["mine"], "products/").json()["error"]["code"] == "rate_limited"
    assert _get(data["theirs"], "products/").status_code == 200  # another key, its own budget


def test_the_schema_documents_the_public_api(client):
    schema = client.get("/api/schema/?format=json").json()
    assert {"/api/v1/products/", "/api/v1/orders/{code}/", "/api/v1/stock/"} <= set(
        schema["paths"])


def _post(token: str, body: dict, key: str | None = "ext-1"):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return Client().post("/api/v1/orders/", body, content_type="application/json", **headers)


def test_order_sold_elsewhere_is_created_paid_once_and_delivered_by_vitrine(shop, data):
    from sales.models import Delivery, Order
    from wallet.models import LedgerTransaction

    variant = data["variant"]
    _k, writer = keys.key_create(tenant=shop.tenant, actor=shop.owner, name="site",
                                 scopes=["orders:write"])
    body = {"customer": {"discord_user_id": "777", "display_name": "Bia"},
            "items": [{"variant_id": variant.pk, "quantity": 2}], "reference": "site-991"}
    first = _post(writer, body)
    assert first.status_code == 201, first.content
    order = Order.objects.for_tenant(shop.tenant).get(code=first.json()["code"])
    assert (order.status, order.total_cents, order.payment_method) == ("paid", 3980, "external")
    assert Delivery.objects.for_tenant(shop.tenant).filter(order=order).count() == 1
    assert not LedgerTransaction.objects.unscoped().filter(key__contains=str(order.pk)).exists()
    # The same key and body: the same order, nothing new; another body: 409.
    again = _post(writer, body)
    assert again.status_code == 200 and again.json()["code"] == order.code
    conflict = _post(writer, {**body, "reference": "other"})
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "idempotency_conflict"
    assert Order.objects.for_tenant(shop.tenant).filter(payment_method="external").count() == 1


def test_order_create_refusals_change_nothing(shop, other_shop, data):
    from sales.models import Order

    variant = data["variant"]
    _k, writer = keys.key_create(tenant=shop.tenant, actor=shop.owner, name="site",
                                 scopes=["orders:write"])
    body = {"customer": {"discord_user_id": "777"}, "items": [{"variant_id": variant.pk}]}
    before = Order.objects.unscoped().count()
    assert _post(data["mine"], body).status_code == 201  # ALL includes orders:write
    _k, reader = keys.key_create(tenant=shop.tenant, actor=shop.owner, name="r",
                                 scopes=["orders:read"])
    assert _post(reader, body, key="k2").status_code == 403
    assert _post(writer, body, key=None).status_code == 400
    out = _post(writer, {**body, "items": [{"variant_id": variant.pk, "quantity": 50}]}, "k3")
    assert out.status_code == 409 and out.json()["error"]["code"] == "out_of_stock"
    # Another shop's key cannot order my variant.
    _k, theirs = keys.key_create(tenant=other_shop.tenant, actor=other_shop.owner, name="w",
                                 scopes=["orders:write"])
    assert _post(theirs, body, key="k4").status_code == 404
    assert Order.objects.unscoped().count() == before + 1
