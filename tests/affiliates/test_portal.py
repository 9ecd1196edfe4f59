"""The Afiliados page: owner edits, staff read, outsiders 404; bad input 400, nothing changed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from affiliates import services
from affiliates.models import Commission
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


def _product_url(shop, product):
    return reverse("portal:affiliates_product_percent", args=[shop.tenant.slug, product.pk])


def test_owner_sets_and_clears_a_product_commission(shop, client_for, mp):
    shop.tenant.settings = {"affiliate_enabled": True, "affiliate_percent": 10}
    shop.tenant.save()
    product = f.product(shop.tenant, name="Chave Especial")
    page = client_for(shop.owner).get(_url(shop, "affiliates"))
    assert b"Chave Especial" in page.content and b'data-testid="affiliate-product-percent"' \
        in page.content
    saved = client_for(shop.owner).post(_product_url(shop, product), {"percent": "80"})
    assert saved.status_code == 302
    shop.tenant.refresh_from_db()
    assert services.program(shop.tenant)[2] == {str(product.pk): 80}  # above the shop's cap
    # the override is what a referred sale pays
    v = f.variant(product, price_cents=10000, keys=2)
    ana = f.customer(shop.tenant, discord_user_id="100")
    bia = f.customer(shop.tenant, discord_user_id="200")
    services.referral_use(customer=bia, code=services.affiliate_join(customer=ana).code)
    from payments.registry import Outcome, dispatch
    from sales import services as sales
    sales.cart_add(customer=bia, variant_id=v.pk)
    dispatch(sales.checkout(customer=bia).payment, Outcome.APPROVED)
    assert Commission.objects.for_tenant(shop.tenant).get().amount_cents == 8000
    cleared = client_for(shop.owner).post(_product_url(shop, product), {"percent": ""})
    assert cleared.status_code == 302
    shop.tenant.refresh_from_db()
    assert services.program(shop.tenant)[2] == {}


@pytest.mark.parametrize("percent", ["101", "-1", "x", "1.5"])
def test_bad_product_percent_is_400_nothing_changed(shop, client_for, percent):
    product = f.product(shop.tenant)
    response = client_for(shop.owner).post(_product_url(shop, product), {"percent": percent})
    assert response.status_code == 400
    shop.tenant.refresh_from_db()
    assert "affiliate_product_percent" not in shop.tenant.settings


@pytest.mark.parametrize("role", ["viewer", "manager"])
def test_staff_cannot_set_product_commission(shop, client_for, role):
    product = f.product(shop.tenant)
    member = getattr(shop, role)
    page = client_for(member).get(_url(shop, "affiliates"))
    assert page.status_code == 200 and b'data-testid="affiliate-product-percent"' \
        not in page.content
    assert client_for(member).post(_product_url(shop, product),
                                   {"percent": "20"}).status_code == 403
    shop.tenant.refresh_from_db()
    assert "affiliate_product_percent" not in shop.tenant.settings


def test_outsiders_and_other_shops_products_get_404(shop, other_shop, outsider, client_for):
    product = f.product(shop.tenant)
    for user in (outsider, other_shop.owner):
        assert client_for(user).post(_product_url(shop, product),
                                     {"percent": "20"}).status_code == 404
    theirs = f.product(other_shop.tenant)
    assert client_for(shop.owner).post(_product_url(shop, theirs),
                                       {"percent": "20"}).status_code == 404
    shop.tenant.refresh_from_db()
    assert "affiliate_product_percent" not in shop.tenant.settings


def test_page_shows_link_clicks_and_affiliate_withdrawals(shop, other_shop, outsider,
                                                          client_for, mp):
    from affiliates.models import Click
    from tests.affiliates.test_api import EVP, _released_commission

    shop.tenant.settings = {"affiliate_enabled": True, "affiliate_percent": 7,
                            "min_withdrawal_cents": 500}
    shop.tenant.save()
    affiliate = _released_commission(shop.tenant, mp)
    Click.objects.create(tenant=shop.tenant, affiliate=affiliate)
    services.affiliate_withdraw(affiliate=affiliate, amount_cents=600, pix_key_type="evp",
                                pix_key=EVP, request_key="p1")
    for lang, words in (("pt-br", ["Cliques nos links", "Saques dos afiliados", "R$ 6,00",
                                   "pendente"]),
                        ("en", ["Link clicks", "withdrawals", "R$6.00",
                                "pending"])):
        client = client_for(shop.owner)
        client.cookies["vitrine_language"] = lang
        page = client.get(_url(shop, "affiliates"))
        assert page.status_code == 200
        text = page.content.decode()
        for word in words:
            assert word in text, (lang, word)
        assert 'data-testid="affiliate-link-clicks">1<' in text
    # The owner cannot cancel an affiliate's withdrawal (nor sees it among theirs:
    # test_payouts).
    from wallet.models import Withdrawal

    w = Withdrawal.objects.for_tenant(shop.tenant).get()
    cancel = reverse("portal:wallet_withdrawal_cancel", args=[shop.tenant.slug, w.pk])
    assert client_for(shop.owner).post(cancel).status_code == 404
    w.refresh_from_db()
    assert w.status == "pending"
    for user in (outsider, other_shop.owner):
        assert client_for(user).get(_url(shop, "affiliates")).status_code == 404
