"""Catalog rules: encrypted stock without duplicates, safe templates, images, posts, ordering."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from catalog import services
from catalog.models import Product, StockItem, validate_image
from catalog.selectors import low_stock_variants, products_with_variants
from catalog.templating import default_body, render_message
from sales import tasks
from tests.sales import factories as f


def test_stock_is_encrypted_at_rest_and_deduplicated(shop):
    v = f.variant(f.product(shop.tenant))
    result = services.stock_add(variant=v, actor=shop.owner,
                                lines=services.parse_stock_lines("zeta-1\n  zeta-2 \n\nzeta-1\n"))
    assert (result.added, result.duplicates) == (2, 1)
    again = services.stock_add(variant=v, actor=shop.owner, lines=["zeta-2", "zeta-3"])
    assert (again.added, again.duplicates) == (1, 1)
    other_variant = f.variant(v.product, label="outra")
    assert services.stock_add(variant=other_variant, actor=None, lines=["zeta-1"]).added == 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM catalog_stockitem")
        raw = [row[0] for row in cursor.fetchall()]
    assert raw and not any("zeta-" in value for value in raw)
    assert sorted(StockItem.objects.for_tenant(shop.tenant).values_list("content", flat=True)) \
        == ["zeta-1", "zeta-2", "zeta-3"]


def test_same_key_in_another_product_is_fine(shop):
    a = f.variant(f.product(shop.tenant, name="A"))
    b = f.variant(f.product(shop.tenant, name="B"))
    services.stock_add(variant=a, actor=None, lines=["K"])
    assert services.stock_add(variant=b, actor=None, lines=["K"]).added == 1


def test_stock_refused_for_content_variants(shop):
    v = f.variant(f.product(shop.tenant), fulfillment="content", content="x")
    with pytest.raises(services.CatalogError):
        services.stock_add(variant=v, actor=None, lines=["K"])


def test_remove_unsold_keeps_reserved_and_sold(shop):
    v = f.variant(f.product(shop.tenant), keys=4)
    items = list(StockItem.objects.for_tenant(shop.tenant))
    StockItem.objects.for_tenant(shop.tenant).filter(pk=items[0].pk).update(status="sold")
    StockItem.objects.for_tenant(shop.tenant).filter(pk=items[1].pk).update(status="reserved")
    assert services.stock_remove_unsold(variant=v, actor=None) == 2
    assert StockItem.objects.for_tenant(shop.tenant).count() == 2


def test_templates_substitute_known_names_only():
    body = "Oi {{buyer}} {{ total }} {{settings}} {% load x %} {{buyer.__class__}}"
    out = render_message(body, {"buyer": "Ana", "total": "R$ 1,00"})
    assert out == "Oi Ana R$ 1,00 {{settings}} {% load x %} {{buyer.__class__}}"
    assert "{{items}}" in default_body("delivery", "pt-br")
    assert default_body("receipt", "en").startswith("Receipt")


@pytest.mark.parametrize("name,data,ok", [
    ("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 10, True),
    ("a.gif", b"GIF89a" + b"0" * 10, True),
    ("a.webp", b"RIFF0000WEBP" + b"0" * 4, True),
    ("a.png", b"<svg onload=alert(1)>", False),
    ("a.svg", b"<svg/>", False),
])
def test_image_validation(name, data, ok):
    upload = SimpleUploadedFile(name, data)
    if ok:
        validate_image(upload)
    else:
        with pytest.raises(ValidationError):
            validate_image(upload)


def test_reorder_and_toggle(shop):
    a, _b, c = (services.product_save(tenant=shop.tenant, actor=None, name=n) for n in "ABC")
    services.product_move(product=c, actor=None, direction=-1)
    names = list(Product.objects.for_tenant(shop.tenant).values_list("name", flat=True))
    assert names == ["A", "C", "B"]
    services.product_set_active(product=a, actor=None, active=False)
    assert [p.name for p in products_with_variants(tenant=shop.tenant, active_only=True)] == [
        "C", "B"]


def test_post_record_is_an_upsert(shop):
    prod = f.product(shop.tenant)
    first = services.post_record(product=prod, channel_id="1", message_id="2")
    second = services.post_record(product=prod, channel_id="1", message_id="3")
    assert first.pk == second.pk and second.message_id == "3"


def test_low_stock_selector(shop):
    f.variant(f.product(shop.tenant), keys=2, low_stock_threshold=5)
    f.variant(f.product(shop.tenant, name="Cheio"), keys=9, low_stock_threshold=5)
    assert [v.stock_available for v in low_stock_variants(tenant=shop.tenant)] == [2]


def test_tasks_are_thin_and_safe_to_run(shop):
    assert tasks.sweep_carts() == 0
    assert tasks.sweep_orders() == 0
