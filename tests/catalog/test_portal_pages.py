"""Catalog and sales pages: owners and staff per role get them, outsiders and other shops 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Coupon, Product, StockItem, Variant
from sales import services
from sales.models import Customer, Order
from tests.sales import factories as f


@pytest.fixture
def data(shop):
    prod = f.product(shop.tenant, description="**Forte** <script>alert(1)</script>")
    v = f.variant(prod, keys=3)
    c = f.coupon(shop.tenant)
    buyer = f.customer(shop.tenant)
    services.cart_add(customer=buyer, variant_id=v.pk)
    order = services.order_create_from_cart(customer=buyer)
    return {"product": prod, "variant": v, "coupon": c, "customer": buyer, "order": order}


def _pages(shop, d):
    slug = shop.tenant.slug
    return [
        reverse("portal:shop", args=[slug]),
        reverse("portal:product_edit", args=[slug, d["product"].pk]),
        reverse("portal:stock", args=[slug, d["variant"].pk]),
        reverse("portal:coupons", args=[slug]),
        reverse("portal:coupon_edit", args=[slug, d["coupon"].pk]),
        reverse("portal:templates", args=[slug]),
        reverse("portal:orders", args=[slug]),
        reverse("portal:order_detail", args=[slug, d["order"].code]),
        reverse("portal:customers", args=[slug]),
    ]


MANAGER_PAGES = ["product_create"]


def test_every_member_reads_every_page(shop, data, client_for):
    for user in (shop.owner, shop.manager, shop.viewer):
        client = client_for(user)
        for url in _pages(shop, data):
            response = client.get(url)
            assert response.status_code == 200, url
            assert shop.tenant.name.encode() in response.content or b"Chave" in response.content


def test_outsiders_and_other_shops_get_404(shop, other_shop, outsider, data, client_for):
    for user in (outsider, other_shop.owner):
        client = client_for(user)
        for url in _pages(shop, data):
            assert client.get(url).status_code == 404, url


def test_other_shop_ids_under_my_slug_are_404(shop, other_shop, client_for):
    theirs = f.variant(f.product(other_shop.tenant), keys=1)
    coupon = f.coupon(other_shop.tenant)
    slug = shop.tenant.slug
    client = client_for(shop.owner)
    for url in [reverse("portal:product_edit", args=[slug, theirs.product_id]),
                reverse("portal:variant_edit", args=[slug, theirs.pk]),
                reverse("portal:stock", args=[slug, theirs.pk]),
                reverse("portal:stock_export", args=[slug, theirs.pk]),
                reverse("portal:coupon_edit", args=[slug, coupon.pk])]:
        assert client.get(url).status_code == 404, url
    for url in [reverse("portal:product_toggle", args=[slug, theirs.product_id]),
                reverse("portal:stock_remove", args=[slug, theirs.pk])]:
        assert client.post(url, {"all": "1"}).status_code == 404
    assert StockItem.objects.for_tenant(other_shop.tenant).count() == 1


def test_description_markdown_is_sanitised(shop, data, client_for):
    url = reverse("portal:product_edit", args=[shop.tenant.slug, data["product"].pk])
    html = client_for(shop.owner).get(url).content.decode()
    assert "<strong>Forte</strong>" in html
    assert "<script>alert(1)</script>" not in html


def test_viewer_cannot_write(shop, data, client_for):
    client = client_for(shop.viewer)
    slug = shop.tenant.slug
    assert client.get(reverse("portal:product_create", args=[slug])).status_code == 403
    assert client.post(reverse("portal:product_toggle", args=[slug, data["product"].pk])
                       ).status_code == 403
    assert client.post(reverse("portal:customer_block", args=[slug, data["customer"].pk]),
                       {"blocked": "1"}).status_code == 403
    assert client.get(reverse("portal:stock_export", args=[slug, data["variant"].pk])
                      ).status_code == 403
    client.post(reverse("portal:stock", args=[slug, data["variant"].pk]), {"text": "NEW"})
    assert StockItem.objects.for_tenant(shop.tenant).count() == 3


def test_manager_builds_a_product_with_stock(shop, client_for):
    client = client_for(shop.manager)
    slug = shop.tenant.slug
    response = client.post(reverse("portal:product_create", args=[slug]),
                           {"name": "Conta VIP", "description": "", "is_active": "on"})
    assert response.status_code == 302
    product = Product.objects.for_tenant(shop.tenant).get(name="Conta VIP")
    response = client.post(reverse("portal:variant_create", args=[slug, product.pk]), {
        "label": "Mensal", "price": "19,90", "fulfillment": "stock",
        "low_stock_threshold": "2", "is_active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    variant = Variant.objects.for_tenant(shop.tenant).get()
    assert variant.price_cents == 1990
    stock_url = reverse("portal:stock", args=[slug, variant.pk])
    client.post(stock_url, {"text": "A-1\nA-2\nA-1\n\n"})
    assert StockItem.objects.for_tenant(shop.tenant).count() == 2
    response = client.get(stock_url)
    assert b"A-1" not in response.content  # contents are masked
    client.post(reverse("portal:stock_remove", args=[slug, variant.pk]), {"all": "1"})
    assert StockItem.objects.for_tenant(shop.tenant).count() == 0


def test_variant_needs_the_fields_of_its_kind(shop, data, client_for):
    url = reverse("portal:variant_create", args=[shop.tenant.slug, data["product"].pk])
    response = client_for(shop.owner).post(url, {"label": "Role", "price": "5",
                                                  "fulfillment": "role",
                                                  "low_stock_threshold": "1"})
    assert response.status_code == 400


def test_coupon_create_and_duplicate_code(shop, data, client_for):
    url = reverse("portal:coupons", args=[shop.tenant.slug])
    client = client_for(shop.owner)
    form = {"code": "natal", "kind": "fixed", "amount": "5,00", "is_active": "on"}
    assert client.post(url, form).status_code == 302
    assert Coupon.objects.for_tenant(shop.tenant).get(code="NATAL").value == 500
    assert client.post(url, form).status_code == 400


def test_template_save_and_safe_preview(shop, client_for):
    slug = shop.tenant.slug
    client = client_for(shop.owner)
    body = "Oi {{buyer}} {{ settings.SECRET_KEY }} {% debug %} <b>x</b> {{ total }}"
    preview = client.post(reverse("portal:template_preview", args=[slug]), {"body": body})
    text = preview.content.decode()
    assert "@comprador" in text and "R$ 19,90" in text
    assert "{{ settings.SECRET_KEY }}" in text and "&lt;b&gt;" in text
    response = client.post(reverse("portal:templates", args=[slug]),
                           {"kind": "receipt", "locale": "en", "body": body})
    assert response.status_code == 302


def test_orders_filters_detail_and_cancel(shop, data, client_for):
    client = client_for(shop.owner)
    slug = shop.tenant.slug
    url = reverse("portal:orders", args=[slug])
    assert data["order"].code.encode() in client.get(url, {"status": "pending_payment"}).content
    assert data["order"].code.encode() not in client.get(url, {"status": "paid"}).content
    assert data["order"].code.encode() in client.get(url, {"customer": "Comprador"}).content
    detail = client.get(reverse("portal:order_detail", args=[slug, data["order"].code]))
    assert b"order-timeline" in detail.content
    client.post(reverse("portal:order_cancel", args=[slug, data["order"].code]))
    assert Order.objects.for_tenant(shop.tenant).get().status == "cancelled"
    assert StockItem.objects.for_tenant(shop.tenant).filter(status="available").count() == 3


def test_customer_search_and_block(shop, data, client_for):
    client = client_for(shop.manager)
    slug = shop.tenant.slug
    assert b"Comprador" in client.get(reverse("portal:customers", args=[slug]),
                                      {"q": "compr"}).content
    client.post(reverse("portal:customer_block", args=[slug, data["customer"].pk]),
                {"blocked": "1"})
    assert Customer.objects.for_tenant(shop.tenant).get().is_blocked


def test_product_image_upload_is_validated(shop, client_for, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    url = reverse("portal:product_create", args=[shop.tenant.slug])
    client = client_for(shop.owner)
    bad = SimpleUploadedFile("x.png", b"<svg onload=alert(1)>", content_type="image/png")
    assert client.post(url, {"name": "Img", "image": bad}).status_code == 400
    good = SimpleUploadedFile("x.gif", b"GIF89a" + b"\0" * 20, content_type="image/gif")
    assert client.post(url, {"name": "Img", "image": good}).status_code == 302
    product = Product.objects.for_tenant(shop.tenant).get(name="Img")
    assert product.image.name.startswith(f"products/{shop.tenant.pk}/")


def test_other_shop_orders_and_customers_under_my_slug_are_404(shop, other_shop, client_for):
    theirs = f.variant(f.product(other_shop.tenant), keys=1)
    buyer = f.customer(other_shop.tenant, discord_user_id="77", name="Estrangeiro")
    services.cart_add(customer=buyer, variant_id=theirs.pk)
    order = services.order_create_from_cart(customer=buyer)
    slug = shop.tenant.slug
    client = client_for(shop.owner)
    assert client.get(reverse("portal:order_detail", args=[slug, order.code])).status_code == 404
    assert client.post(reverse("portal:order_cancel", args=[slug, order.code])).status_code == 404
    assert client.post(reverse("portal:customer_block", args=[slug, buyer.pk]),
                       {"blocked": "1"}).status_code == 404
    assert client.get(reverse("portal:variant_create", args=[slug, theirs.product_id])
                      ).status_code == 404
    assert client.post(reverse("portal:product_move", args=[slug, theirs.product_id]),
                       {"direction": "up"}).status_code == 404
    assert b"Estrangeiro" not in client.get(reverse("portal:customers", args=[slug])).content
    assert order.code.encode() not in client.get(reverse("portal:orders", args=[slug])).content
    order.refresh_from_db()
    buyer.refresh_from_db()
    assert order.status == "pending_payment" and not buyer.is_blocked


def test_export_sold_items_as_csv(shop, client_for):
    v = f.variant(f.product(shop.tenant))
    from catalog.services import stock_add

    stock_add(variant=v, actor=None, lines=["=cmd|calc", "PLAIN-KEY", "UNSOLD"])
    StockItem.objects.for_tenant(shop.tenant).exclude(content="x").filter(
        fingerprint__in=[StockItem.fingerprint_of("=cmd|calc"),
                         StockItem.fingerprint_of("PLAIN-KEY")]).update(
        status="sold", sold_at="2026-01-01T00:00Z", order_ref=1)
    response = client_for(shop.manager).get(
        reverse("portal:stock_export", args=[shop.tenant.slug, v.pk]))
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "PLAIN-KEY" in body and "'=cmd|calc" in body and "UNSOLD" not in body


def test_variants_reorder_and_toggle(shop, client_for, other_shop):
    prod = f.product(shop.tenant)
    a, b = f.variant(prod, label="A"), f.variant(prod, label="B")
    client = client_for(shop.manager)
    url = reverse("portal:variant_arrange", args=[shop.tenant.slug, b.pk])
    assert client.post(url, {"action": "up"}).status_code == 302
    assert list(prod.variants.order_by("sort_order").values_list("label", flat=True)) == [
        "B", "A"]
    client.post(url, {"action": "toggle"})
    b.refresh_from_db()
    assert not b.is_active
    theirs = f.variant(f.product(other_shop.tenant))
    assert client.post(reverse("portal:variant_arrange", args=[shop.tenant.slug, theirs.pk]),
                       {"action": "toggle"}).status_code == 404
    assert client_for(shop.viewer).post(url, {"action": "toggle"}).status_code == 403
    a.refresh_from_db()
    assert a.is_active
