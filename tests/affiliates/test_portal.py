"""The Afiliados page: owner edits, staff read, outsiders 404; bad input 400, nothing changed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from affiliates import services
from tests.sales import factories as f


def _url(shop, name):
    return reverse(f"portal:{name}", args=[shop.tenant.slug])


def test_owner_sees_affiliates_and_saves_the_program(shop, client_for):
    shop.tenant.settings = {"affiliate_enabled": True, "affiliate_percent": 10}
    shop.tenant.save()
    ana = f.customer(shop.tenant, name="Ana Afiliada")
    services.affiliate_join(customer=ana)
    page = client_for(shop.owner).get(_url(shop, "affiliates"))
    assert page.status_code == 200 and b"Ana Afiliada" in page.content
    saved = client_for(shop.owner).post(_url(shop, "affiliates_settings"),
                                        {"enabled": "on", "percent": "15"})
    assert saved.status_code == 302
    shop.tenant.refresh_from_db()
    assert shop.tenant.settings["affiliate_percent"] == 15


@pytest.mark.parametrize("role", ["viewer", "manager"])
def test_staff_read_only(shop, client_for, role):
    member = getattr(shop, role)
    assert client_for(member).get(_url(shop, "affiliates")).status_code == 200
    assert client_for(member).post(_url(shop, "affiliates_settings"),
                                   {"enabled": "on", "percent": "5"}).status_code == 403


@pytest.mark.parametrize("name", ["affiliates", "affiliates_settings"])
def test_outsiders_get_404(shop, other_shop, outsider, client_for, name):
    for user in (outsider, other_shop.owner):
        client = client_for(user)
        url = _url(shop, name)
        response = client.get(url) if name == "affiliates" else client.post(url, {"percent": 5})
        assert response.status_code == 404


@pytest.mark.parametrize("percent", ["51", "-1", "x", ""])
def test_bad_percent_is_400(shop, client_for, percent):
    response = client_for(shop.owner).post(_url(shop, "affiliates_settings"),
                                           {"enabled": "on", "percent": percent})
    assert response.status_code == 400
    shop.tenant.refresh_from_db()
    assert "affiliate_percent" not in shop.tenant.settings
