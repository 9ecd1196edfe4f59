"""Every tenant page: the owner gets it, members per role, outsiders and other shops get 404."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

TENANT_PAGES = ["dashboard", "shop", "orders", "wallet", "plan", "members"]
MANAGER_PAGES = ["settings"]


@pytest.mark.parametrize("name", TENANT_PAGES + MANAGER_PAGES)
def test_owner_gets_the_page(shop, client_for, name):
    response = client_for(shop.owner).get(reverse(f"portal:{name}", args=[shop.tenant.slug]))
    assert response.status_code == 200
    assert shop.tenant.name.encode() in response.content


@pytest.mark.parametrize("name", TENANT_PAGES + MANAGER_PAGES)
def test_outsider_and_other_shop_get_404(shop, other_shop, outsider, client_for, name):
    url = reverse(f"portal:{name}", args=[shop.tenant.slug])
    assert client_for(outsider).get(url).status_code == 404
    response = client_for(other_shop.owner).get(url)
    assert response.status_code == 404
    assert shop.tenant.name.encode() not in response.content


@pytest.mark.parametrize("name", TENANT_PAGES + MANAGER_PAGES)
def test_unknown_slug_is_404(shop, client_for, name):
    url = reverse(f"portal:{name}", args=["no-such-shop"])
    assert client_for(shop.owner).get(url).status_code == 404


@pytest.mark.parametrize("name", TENANT_PAGES + MANAGER_PAGES)
def test_anonymous_is_sent_to_sign_in(shop, name):
    url = reverse(f"portal:{name}", args=[shop.tenant.slug])
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", TENANT_PAGES)
def test_viewer_and_manager_read_tenant_pages(shop, client_for, name):
    url = reverse(f"portal:{name}", args=[shop.tenant.slug])
    assert client_for(shop.viewer).get(url).status_code == 200
    assert client_for(shop.manager).get(url).status_code == 200


def test_viewer_gets_403_with_a_reason_on_settings(shop, client_for):
    response = client_for(shop.viewer).get(reverse("portal:settings", args=[shop.tenant.slug]))
    assert response.status_code == 403
    # Portuguese by default: the message names the missing role and who can help.
    assert b"Isto exige o papel Gerente em Loja Alfa" in response.content


def test_manager_opens_settings(shop, client_for):
    url = reverse("portal:settings", args=[shop.tenant.slug])
    assert client_for(shop.manager).get(url).status_code == 200


def test_account_and_instances_pages_need_sign_in(shop, client_for):
    for name in ("account", "instances", "instance_create"):
        url = reverse(f"portal:{name}")
        assert Client().get(url).status_code == 302
        assert client_for(shop.owner).get(url).status_code == 200


def test_instances_page_lists_only_my_instances(shop, other_shop, client_for):
    body = client_for(shop.manager).get(reverse("portal:instances")).content
    assert shop.tenant.name.encode() in body
    assert other_shop.tenant.name.encode() not in body


def test_switcher_lists_only_my_instances(shop, other_shop, client_for):
    body = client_for(shop.owner).get(reverse("portal:dashboard", args=[shop.tenant.slug])).content
    assert b'data-testid="tenant-switcher"' in body
    assert other_shop.tenant.name.encode() not in body


def test_home_sends_new_user_to_create_first_instance(outsider, client_for):
    response = client_for(outsider).get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:instance_create")


def test_home_sends_member_to_their_dashboard(shop, client_for):
    response = client_for(shop.viewer).get("/")
    assert response["Location"] == reverse("portal:dashboard", args=[shop.tenant.slug])


def test_anonymous_home_is_the_landing_page():
    response = Client().get("/")
    assert response.status_code == 200
    assert reverse("account_login").encode() in response.content
