"""A first purchase above the shop's threshold is held: paid, told, not delivered until a
person releases it (portal or /aprovar); refunding it instead gives the stock back."""

from __future__ import annotations

import pytest
from django.utils import translation

from audit.models import AuditEvent
from catalog.models import StockItem
from payments import services as payments
from sales.errors import SalesError
from sales.models import Delivery, OrderEvent
from tests.sales import factories as f
from tests.trust.conftest import rules
from trust import services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def expensive(world):
    return f.variant(f.product(world.tenant, name="Conta Rara"), label="Única",
                     price_cents=60000, keys=2)


def test_held_then_approved_then_delivered(world, buy, expensive, key):
    rules(world.tenant, review_first_purchase_above_cents=50000)
    order = buy(expensive)
    assert order.status == "on_hold"
    assert not Delivery.objects.for_tenant(world.tenant).filter(order=order).exists()
    reserved = StockItem.objects.for_tenant(world.tenant).filter(order_ref=order.pk)
    assert reserved.count() == 1 and reserved.get().status == "reserved"
    [told] = world.sb.dms(world.buyer_id)
    assert f"#{order.code}" in told["content"] and "analisando" in told["content"]
    event = OrderEvent.objects.for_tenant(world.tenant).filter(order=order).last()
    assert event.to_status == "on_hold"
    with translation.override("pt-br"):
        assert event.note == "Uma primeira compra acima de R$ 500,00 aguarda a sua aprovação."
    assert AuditEvent.objects.filter(tenant=world.tenant, action="order.hold").count() == 1

    services.order_approve(order=order, actor=world.tenant.owner)
    order.refresh_from_db()
    assert order.status == "delivered"
    dms = [m["content"] for m in world.sb.dms(world.buyer_id)]
    assert any(reserved.get().content in dm for dm in dms)
    audit = AuditEvent.objects.get(tenant=world.tenant, action="order.hold_release")
    assert audit.actor == world.tenant.owner and audit.data["code"] == order.code
    with pytest.raises(SalesError, match="order_not_held"):
        services.order_approve(order=order, actor=world.tenant.owner)
    # Not the first purchase any more: the next one above the threshold goes straight through.
    assert buy(expensive).status == "delivered"


def test_cheap_first_purchase_is_not_held(world, buy, key):
    rules(world.tenant, review_first_purchase_above_cents=50000)
    assert buy(key).status == "delivered"


def test_refunding_a_held_order_gives_the_stock_back(world, expensive, mp):
    from sales import services as sales

    rules(world.tenant, review_first_purchase_above_cents=50000)
    sales.cart_add(customer=world.customer, variant_id=expensive.pk, quantity=1)
    result = sales.checkout(customer=world.customer)
    mp.approve(result.payment.provider_payment_id)
    payments.payment_sync(provider_payment_id=result.payment.provider_payment_id)
    order = result.order
    order.refresh_from_db()
    assert order.status == "on_hold"
    sales.order_refund(order=order, by=sales.RefundActor.portal(world.tenant.owner),
                       reason="suspeito")
    order.refresh_from_db()
    assert order.status == "refunded"
    assert not StockItem.objects.for_tenant(world.tenant).filter(order_ref=order.pk).exists()
    assert StockItem.objects.for_tenant(world.tenant).filter(status="available").count() == 2
    assert not Delivery.objects.for_tenant(world.tenant).filter(order=order).exists()
    with pytest.raises(SalesError, match="order_not_held"):
        services.order_approve(order=order, actor=world.tenant.owner)


def test_a_card_paid_with_a_blocked_payer_email_is_held_and_the_next_checkout_refused(
        world, key, mp):
    """The payer's email is typed on Mercado Pago's checkout page, so it is known only when the
    payment is read back: that order waits (nothing delivered) and the buyer's next checkout,
    by any method, is refused with nothing reserved."""
    from urllib.parse import parse_qsl, urlsplit

    import requests
    from django.db import transaction

    from payments.state import payment_sync
    from sales import services as sales
    from sales.models import Order
    from tests.disputes.conftest import enable_card

    enable_card(world.tenant)
    services.block_add(tenant=world.tenant, discord_user_id="", payer_email="Fraude@Example.com",
                       reason="cartão clonado", actor=None)
    sales.cart_add(customer=world.customer, variant_id=key.pk, quantity=1)
    result = sales.checkout(customer=world.customer, method="card")  # no email known yet
    answer = requests.post(f"{mp.url}/checkout/v1/pay", allow_redirects=False, timeout=5,
                           data={"pref_id": result.payment.preference_id, "card": "APRO",
                                 "email": "fraude@example.com", "payment_method_id": "master"})
    provider_id = dict(parse_qsl(urlsplit(answer.headers["Location"]).query))["payment_id"]
    with transaction.atomic():
        payment_sync(provider_payment_id=provider_id)
    result.payment.refresh_from_db()
    order = Order.objects.for_tenant(world.tenant).get(pk=result.order.pk)
    assert result.payment.payer_email == "fraude@example.com"
    assert result.payment.status == "approved" and order.status == "on_hold"
    assert not Delivery.objects.for_tenant(world.tenant).filter(order=order).exists()
    event = OrderEvent.objects.for_tenant(world.tenant).filter(order=order).last()
    with translation.override("pt-br"):
        assert event.note == ("O e-mail do pagador está numa lista de bloqueio: reembolse o "
                              "comprador ou aprove o pedido.")
    [held] = AuditEvent.objects.filter(tenant=world.tenant, action="order.hold")
    assert held.data["reason"] == "payer email blocked: manual review"

    world.customer.refresh_from_db()  # as the Bot API loads it for the next request
    sales.cart_add(customer=world.customer, variant_id=key.pk, quantity=1)
    with pytest.raises(SalesError) as refused:
        sales.checkout(customer=world.customer, method="pix")
    assert refused.value.code == "customer_blocked"
    assert Order.objects.for_tenant(world.tenant).count() == 1
    assert StockItem.objects.for_tenant(world.tenant).filter(order_ref__isnull=False).count() == 1
