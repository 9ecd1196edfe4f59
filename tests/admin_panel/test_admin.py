from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tenants.services import instance_token_create
from tests.sales.factories import mp  # noqa: F401


def test_admin_is_staff_only(shop, client_for):
    url = reverse("admin:index")
    assert Client().get(url).status_code == 302
    response = client_for(shop.owner).get(url)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_operator_sees_branded_index_and_ops_page(shop, operator, client_for):
    client = client_for(operator)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert b'data-testid="ops-tiles"' in index.content
    ops = client.get(reverse("admin:ops"))
    assert ops.status_code == 200
    assert b"tenant.create" in ops.content


@pytest.mark.parametrize("model", [m for m in admin.site._registry])
def test_every_changelist_opens_for_operators(model, shop, other_shop, operator, client_for,
                                               django_assert_max_num_queries):
    instance_token_create(tenant=shop.tenant, actor=shop.owner)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    client = client_for(operator)
    client.get(url)  # warm the session and content types
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200


def test_monitor_reads_but_cannot_change(shop, monitor, client_for):
    client = client_for(monitor)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:ops")).status_code == 200
    changelist = reverse("admin:tenants_tenant_changelist")
    assert client.get(changelist).status_code == 200
    change = reverse("admin:tenants_tenant_change", args=[shop.tenant.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content  # view-only form
    response = client.post(change, {"name": "Hacked", "slug": shop.tenant.slug})
    assert response.status_code == 403
    shop.tenant.refresh_from_db()
    assert shop.tenant.name == "Loja Alfa"
    assert client.get(reverse("admin:tenants_tenant_add")).status_code == 403


def test_roles_follow_new_permissions(monitor):
    from django.contrib.auth.models import Group, Permission

    from admin_panel.roles import FULL, MONITOR, operator_role

    monitor_perms = set(Group.objects.get(name=MONITOR).permissions.values_list("codename",
                                                                                 flat=True))
    assert monitor_perms and all(code.startswith("view_") for code in monitor_perms)
    assert Group.objects.get(name=FULL).permissions.count() == Permission.objects.count()
    assert operator_role(monitor) == "monitor"


def test_order_list_links_to_its_tenant_and_payments(shop, operator, client_for, mp):  # noqa: F811
    from payments.models import Payment
    from sales import services
    from tests.sales import factories as f

    variant = f.variant(f.product(shop.tenant), price_cents=1000, keys=1)
    buyer = f.customer(shop.tenant)
    services.cart_add(customer=buyer, variant_id=variant.pk, quantity=1)
    order = services.checkout(customer=buyer).order
    client = client_for(operator)
    page = client.get(reverse("admin:sales_order_changelist")).content.decode()
    assert reverse("admin:tenants_tenant_change", args=[shop.tenant.pk]) in page
    payments = client.get(reverse("admin:payments_payment_changelist"),
                          {"payable_id": order.pk})
    assert payments.status_code == 200
    assert list(payments.context["cl"].queryset) == list(
        Payment.objects.for_tenant(shop.tenant).filter(payable_id=order.pk))
