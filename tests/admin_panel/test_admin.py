from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tenants.services import instance_token_create


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
