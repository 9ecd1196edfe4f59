"""Portal pages for custom fields and SMM panel delivery: ownership (owner, staff per role,
outsiders and other shops 404), what each saves, and the secret key kept encrypted."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from catalog.models import ProductField
from sales.models import Delivery, Order, OrderLine
from smm.models import Panel, PanelOrder, ServiceMapping
from tests.sales import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(shop):
    product = f.product(shop.tenant, "Seguidores")
    field = ProductField.objects.create(tenant=shop.tenant, product=product, key="link",
                                        label="Link do perfil", kind="url")
    variant = f.variant(product, "1000", price_cents=1000, fulfillment="service")
    return product, field, variant


def _pages(shop, catalog) -> dict[str, str]:
    product, _field, variant = catalog
    slug = shop.tenant.slug
    return {"fields": reverse("portal:product_fields", args=[slug, product.pk]),
            "panel": reverse("portal:smm_panel", args=[slug]),
            "service": reverse("portal:smm_service", args=[slug, variant.pk])}


@pytest.mark.parametrize("page", ["fields", "panel", "service"])
def test_owner_and_staff_per_role(shop, catalog, client_for, page):
    url = _pages(shop, catalog)[page]
    assert client_for(shop.owner).get(url).status_code == 200
    assert client_for(shop.manager).get(url).status_code == 200
    # Viewers read fields and the panel page; the service mapping is a manager's page.
    assert client_for(shop.viewer).get(url).status_code == (403 if page == "service" else 200)


@pytest.mark.parametrize("page", ["fields", "panel", "service"])
def test_outsider_and_other_shop_get_404(shop, other_shop, outsider, catalog, client_for, page):
    url = _pages(shop, catalog)[page]
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(other_shop.owner).get(url).status_code == 404


def test_other_shops_objects_are_404_in_my_shop(shop, other_shop, catalog, client_for):
    product, field, variant = catalog
    mine = other_shop.tenant.slug
    client = client_for(other_shop.owner)
    assert client.get(reverse("portal:product_fields", args=[mine, product.pk])).status_code \
        == 404
    assert client.get(reverse("portal:smm_service", args=[mine, variant.pk])).status_code == 404
    assert client.post(reverse("portal:product_field_delete",
                               args=[mine, field.pk])).status_code == 404
    assert ProductField.objects.for_tenant(shop.tenant).filter(pk=field.pk).exists()


def test_add_and_remove_a_field(shop, catalog, client_for):
    product, _field, _variant = catalog
    client = client_for(shop.manager)
    url = reverse("portal:product_fields", args=[shop.tenant.slug, product.pk])
    response = client.post(url, {"label": "E-mail", "key": "email", "kind": "email",
                                 "required": "", "pattern": "", "placeholder": "",
                                 "private": "on"})
    assert response.status_code == 302
    added = ProductField.objects.for_tenant(shop.tenant).get(key="email")
    assert (added.required, added.private) == (False, True)
    # A duplicate key or a broken pattern: 400, nothing added.
    assert client.post(url, {"label": "X", "key": "email", "kind": "text"}).status_code == 400
    bad = client.post(url, {"label": "X", "key": "x", "kind": "text", "pattern": "(["})
    assert bad.status_code == 400 and "expressão regular" in bad.content.decode()
    assert ProductField.objects.for_tenant(shop.tenant).count() == 2
    # A viewer cannot remove it.
    delete = reverse("portal:product_field_delete", args=[shop.tenant.slug, added.pk])
    client_for(shop.viewer).post(delete)
    assert ProductField.objects.for_tenant(shop.tenant).filter(pk=added.pk).exists()
    assert client.post(delete).status_code == 302
    assert not ProductField.objects.for_tenant(shop.tenant).filter(pk=added.pk).exists()


def test_at_most_five_fields(shop, catalog, client_for):
    product, _field, _variant = catalog
    url = reverse("portal:product_fields", args=[shop.tenant.slug, product.pk])
    client = client_for(shop.owner)
    for i in range(4):
        assert client.post(url, {"label": f"Q{i}", "key": f"q{i}", "kind": "text"}
                           ).status_code == 302
    refused = client.post(url, {"label": "Q9", "key": "q9", "kind": "text"})
    assert refused.status_code == 400
    assert ProductField.objects.for_tenant(shop.tenant).count() == 5


def test_panel_settings_owner_only_and_key_encrypted(shop, catalog, client_for):
    url = _pages(shop, catalog)["panel"]
    data = {"url": "http://127.0.0.1:9/api/v2", "api_key": "segredo-do-painel",
            "balance_alert_below": "10"}
    client_for(shop.manager).post(url, data)
    assert not Panel.objects.for_tenant(shop.tenant).exists()  # managers cannot set secrets
    assert client_for(shop.owner).post(url, data).status_code == 302
    panel = Panel.objects.for_tenant(shop.tenant).get()
    assert panel.api_key == "segredo-do-painel" and panel.balance_alert_below == 10
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key FROM smm_panel WHERE id = %s", [panel.pk])
        assert "segredo" not in cursor.fetchone()[0]
    page = client_for(shop.owner).get(url).content.decode()
    assert "segredo-do-painel" not in page  # never shown back
    # An empty key keeps the stored one.
    client_for(shop.owner).post(url, {**data, "api_key": ""})
    panel.refresh_from_db()
    assert panel.api_key == "segredo-do-painel"


def test_service_mapping_saved_for_the_variant(shop, catalog, client_for):
    _product, _field, variant = catalog
    url = _pages(shop, catalog)["service"]
    client = client_for(shop.manager)
    response = client.post(url, {"service_id": "2", "quantity_per_unit": "1000",
                                 "link_field": "link", "refill": "on"})
    assert response.status_code == 302
    mapping = ServiceMapping.objects.for_tenant(shop.tenant).get(variant=variant)
    assert (mapping.service_id, mapping.quantity_per_unit, mapping.refill) == (2, 1000, True)
    # A field the product does not ask: refused, unchanged.
    assert client.post(url, {"service_id": "3", "quantity_per_unit": "1",
                             "link_field": "nope"}).status_code == 400
    mapping.refresh_from_db()
    assert mapping.service_id == 2


def test_staff_see_answers_on_the_order_and_panel_orders(shop, catalog, client_for):
    _product, _field, variant = catalog
    buyer = f.customer(shop.tenant, "4242")
    from sales import services

    services.cart_add(customer=buyer, variant_id=variant.pk,
                      answers={"link": "https://instagram.com/alice"})
    order = services.order_create_from_cart(customer=buyer)
    line = OrderLine.objects.for_tenant(shop.tenant).get(order=order)
    delivery = Delivery.objects.create(tenant=shop.tenant, order=order, line=line,
                                       kind="service", state="waiting")
    PanelOrder.objects.create(tenant=shop.tenant, delivery=delivery, order=order, service_id=2,
                              link="https://instagram.com/alice", quantity=1000,
                              panel_order_id="1001", status="in_progress", remains=400)
    detail = client_for(shop.viewer).get(
        reverse("portal:order_detail", args=[shop.tenant.slug, order.code])).content.decode()
    assert "Link do perfil" in detail and "https://instagram.com/alice" in detail
    panel = client_for(shop.viewer).get(_pages(shop, catalog)["panel"]).content.decode()
    assert order.code in panel and "600 / 1000" in panel and "Em andamento" in panel
    assert Order.objects.for_tenant(shop.tenant).count() == 1
