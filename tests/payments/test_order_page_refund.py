"""The owner refunds from the order page; other roles do not see the form; others' orders 404."""

from __future__ import annotations

from django.urls import reverse

from payments.models import Payment
from sales import services
from sales.models import Order
from tests.sales import factories as f
from tests.sales.factories import mp  # noqa: F401


def _paid_order(shop, mp):  # noqa: F811
    variant = f.variant(f.product(shop.tenant), price_cents=3000, keys=1)
    buyer = f.customer(shop.tenant)
    services.cart_add(customer=buyer, variant_id=variant.pk, quantity=1)
    result = services.checkout(customer=buyer)
    mp.approve(result.payment.provider_payment_id)
    from payments.services import payment_reconcile_one

    payment_reconcile_one(payment=result.payment)
    return result.order


def test_owner_refunds_from_the_order_page(shop, client_for, mp, settings):  # noqa: F811
    settings.LANGUAGE_CODE = "en"
    order = _paid_order(shop, mp)
    url = reverse("portal:order_detail", args=[shop.tenant.slug, order.code])
    page = client_for(shop.owner).get(url)
    assert b'data-testid="refund-form"' in page.content
    payment = Payment.objects.for_tenant(shop.tenant).get(payable_id=order.pk)
    refund_url = reverse("portal:payment_refund", args=[shop.tenant.slug, payment.public_id])
    client_for(shop.owner).post(refund_url, {"reason": "cliente desistiu", "next": url})
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED


def test_manager_and_viewer_see_no_refund_form(shop, client_for, mp):  # noqa: F811
    order = _paid_order(shop, mp)
    url = reverse("portal:order_detail", args=[shop.tenant.slug, order.code])
    for user in (shop.manager, shop.viewer):
        assert b'data-testid="refund-form"' not in client_for(user).get(url).content


def test_other_shop_gets_404_on_the_order_page(shop, other_shop, client_for, mp):  # noqa: F811
    order = _paid_order(shop, mp)
    url = reverse("portal:order_detail", args=[shop.tenant.slug, order.code])
    assert client_for(other_shop.owner).get(url).status_code == 404
