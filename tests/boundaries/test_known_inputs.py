"""The inputs that gave server errors (issue 18), each refused with a clear 4xx that changes
nothing, plus the shared readers in config.boundaries."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from catalog.models import Coupon, Variant
from config import boundaries
from payments import webhooks
from payments.models import Refund, WebhookEvent
from portal.forms_catalog import CouponForm
from tests.boundaries.conftest import World, changed, snapshot

DEEP = b"[" * 20_000 + b"]" * 20_000


# -- config.boundaries, directly -------------------------------------------------------------
@pytest.mark.parametrize("body, reason", [
    (DEEP, "nested too deep"), (b'{"a": NaN}', "NaN"), (b'{"a": -Infinity}', "-Infinity"),
    (b'{"a": 1e999}', "out of range"), (b'{"a": "\\u0000"}', "NUL"), (b'{"a": 1}\x00', "NUL"),
    (b'{"\\ud800": 1}', "surrogate"), (b"\xff{}", "UTF-8"), (b"{", "not JSON"),
    (b'{"a": ' + b"9" * 5000 + b"}", "not JSON"),
    (b'{"a":' * 33 + b"1" + b"}" * 33, "nested too deep"),
])
def test_json_loads_refuses(body, reason):
    with pytest.raises(boundaries.BadInput, match=reason):
        boundaries.json_loads(body)


def test_json_loads_accepts_ordinary_json():
    assert boundaries.json_loads('{"a": [1, 2.5, "ç", null, {"b": true}]}'.encode()) == {
        "a": [1, 2.5, "ç", None, {"b": True}]}
    assert boundaries.json_loads('{"a":' * 31 + "1" + "}" * 31)  # 31 deep is fine


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "sNaN", "0", "-1", "0.001",
                                 "1e999999", "1000000000.01", "abc", ""])
def test_cents_refuses(raw):
    with pytest.raises(ValidationError):
        boundaries.cents(raw)


def test_cents_converts():
    assert boundaries.cents("12.50") == 1250 and boundaries.cents(Decimal("1E+2")) == 10000
    assert boundaries.cents("1000000000") == boundaries.MAX_AMOUNT_CENTS


def test_bounded_model_form_gives_integer_fields_their_column_range(shop):
    form = CouponForm(tenant=shop.tenant)
    assert form.fields["max_uses"].max_value == 2**31 - 1
    assert form.fields["max_uses"].widget.attrs["max"] == 2**31 - 1


# -- through the boundaries ------------------------------------------------------------------
def _coupon_post(client, world, **fields):
    data = {"code": "NOVO", "kind": "percent", "amount": "10", "is_active": "on", **fields}
    return client.post(reverse("portal:coupons", args=[world.shop.tenant.slug]), data)


def _unchanged(send):
    before = snapshot()
    response = send()
    assert not changed(before, snapshot()), response.content[:300]
    return response


def test_coupon_code_that_grows_when_upper_cased_is_a_form_error(world: World, client_for):
    client = client_for(world.shop.owner)
    response = _unchanged(lambda: _coupon_post(client, world, code="ß" * 40))
    assert response.status_code == 400
    assert response.context["form"].errors["code"]
    assert not Coupon.objects.for_tenant(world.shop.tenant).filter(code__startswith="SS")


def test_coupon_code_is_stored_as_normalised(world: World, client_for):
    client = client_for(world.shop.owner)
    assert _coupon_post(client, world, code=" \uff4e\uff4f\uff56\uff4f ").status_code == 302
    assert Coupon.objects.for_tenant(world.shop.tenant).filter(code="NOVO").exists()


def test_max_uses_beyond_its_column_is_a_form_error(world: World, client_for):
    client = client_for(world.shop.owner)
    response = _unchanged(lambda: _coupon_post(client, world, max_uses="99999999999"))
    assert response.status_code == 400 and response.context["form"].errors["max_uses"]


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "1e999999"])
def test_coupon_and_variant_amounts_refuse_non_finite_numbers(world: World, client_for, amount):
    client = client_for(world.shop.owner)
    assert _unchanged(lambda: _coupon_post(client, world, kind="fixed", amount=amount)
                      ).status_code == 400
    url = reverse("portal:variant_edit", args=[world.shop.tenant.slug, world.variant.pk])
    response = _unchanged(lambda: client.post(url, {"label": "x", "price": amount,
                                                    "fulfillment": "stock",
                                                    "low_stock_threshold": "5"}))
    assert response.status_code == 400
    assert Variant.objects.for_tenant(world.shop.tenant).get(pk=world.variant.pk
                                                             ).price_cents == 1990


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "sNaN", "99999999999999"])
def test_refund_amount_nan_or_infinite_is_refused(world: World, client_for, amount):
    url = reverse("portal:payment_refund", args=[world.shop.tenant.slug,
                                                 world.payment.public_id])
    client = client_for(world.shop.owner)
    response = _unchanged(lambda: client.post(url, {"reason": "x", "amount": amount},
                                              follow=True))
    assert response.status_code == 200 and not Refund.objects.unscoped().exists()
    assert any(m.level_tag == "error" for m in response.context["messages"])


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "1e999999", "99999999999999"])
def test_withdrawal_amount_non_finite_or_huge_is_refused(world: World, client_for, amount):
    url = reverse("portal:wallet_withdraw", args=[world.shop.tenant.slug])
    client = client_for(world.shop.owner)
    response = _unchanged(lambda: client.post(url, {"amount": amount, "pix_key_type": "cpf",
                                                    "pix_key": "529.982.247-25"}))
    assert response.status_code in (200, 400)


def test_deep_json_is_a_400_on_the_bot_api(world: World):
    client = Client(headers={"authorization": f"Bearer {world.token}"})
    response = _unchanged(lambda: client.post("/api/bot/v1/customers/", DEEP,
                                              content_type="application/json"))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


def test_deep_json_is_a_400_on_a_correctly_signed_webhook(world: World, settings):
    settings.MERCADOPAGO_WEBHOOK_SECRET = "s"
    header = webhooks.sign(secret="s", data_id="123", request_id="r-1", ts=int(time.time()))
    response = Client().post("/webhooks/mercadopago?data.id=123&type=payment", DEEP,
                             content_type="application/json",
                             headers={"x-signature": header, "x-request-id": "r-1"})
    assert response.status_code == 400 and "deep" in response.json()["error"]
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("body", [DEEP, b"\xff\xfe", b'{"version": "a\\u0000"}',
                                  b'{"latency_ms": 1e999}', b'{"latency_ms": NaN}',
                                  b'{"latency_ms": 99999999999}', b'{"version": 5}'])
def test_bad_heartbeats_are_400(world: World, body):
    response = _unchanged(lambda: Client().post(
        "/api/runtime/v1/heartbeat", body, content_type="application/json",
        headers={"authorization": f"Bearer {world.token}"}))
    assert response.status_code == 400 and response.json()["detail"].startswith("bad body")


def test_nul_in_an_order_code_is_a_404_in_each_shape(world: World, client_for):
    bot = Client(headers={"authorization": f"Bearer {world.token}"})
    response = bot.get(f"/api/bot/v1/orders/{world.order.code}%00/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    page = client_for(world.shop.owner).get(
        f"/app/t/{world.shop.tenant.slug}/orders/{world.order.code}%00/")
    assert page.status_code == 404 and b"Vitrine" in page.content


def test_nul_in_a_query_string_is_a_400(world: World, client_for):
    response = client_for(world.shop.owner).get(
        reverse("portal:orders", args=[world.shop.tenant.slug]) + "?customer=a%00b")
    assert response.status_code == 400 and b"Vitrine" in response.content
    bot = Client(headers={"authorization": f"Bearer {world.token}"})
    assert bot.get("/api/bot/v1/posts/?needs_refresh=%00").json()["error"]["code"] == \
        "invalid_request"


def test_nul_in_the_instance_token_is_a_401(world: World):
    client = Client(headers={"authorization": f"Bearer {world.token}\x00"})
    assert client.get("/api/bot/v1/catalog/").status_code == 401


@pytest.mark.parametrize("language, title", [("pt-br", "Grande demais"),
                                             ("en", "Too much at once")])
def test_a_10_mb_paste_gets_the_branded_413_in_both_languages(world: World, client_for,
                                                              language, title):
    client = client_for(world.shop.owner)
    client.cookies["vitrine_language"] = language
    url = reverse("portal:stock", args=[world.shop.tenant.slug, world.variant.pk])
    response = _unchanged(lambda: client.post(url, {"text": "KEY\n" * 2_500_000}))
    assert response.status_code == 413
    assert title in response.content.decode() and "Bad Request (400)" not in \
        response.content.decode()


def test_a_10_mb_body_to_the_heartbeat_is_413_json(world: World):
    response = Client().post("/api/runtime/v1/heartbeat", b" " * 10_000_000,
                             content_type="application/json",
                             headers={"authorization": f"Bearer {world.token}"})
    assert response.status_code == 413 and "detail" in response.json()


def test_digits_that_are_not_ascii_are_refused_not_crashed(world: World, client_for, settings):
    """"\u00b2".isdigit() is True, but int("\u00b2") raises: every int(text) goes through
    config.boundaries.ascii_int."""
    assert boundaries.ascii_int("\u00b2") is None and boundaries.ascii_int("12") == 12
    settings.MERCADOPAGO_WEBHOOK_SECRET = "s"
    response = Client().post("/webhooks/mercadopago?data.id=1&type=payment", b"{}",
                             content_type="application/json",
                             headers={"x-signature": "ts=\u00b2,v1=00"})
    assert response.status_code == 401
    client = client_for(world.shop.owner)
    url = reverse("portal:stock_remove", args=[world.shop.tenant.slug, world.variant.pk])
    assert client.post(url, {"item": ["\u00b2", str(2**70)]}).status_code == 302
    assert world.variant.stock_items.count() == 5  # nothing removed
