"""One order_refund service for the portal, /reembolsar (Bot API) and the admin: who refunded is
recorded in the audit log and on the order's timeline; a Mercado Pago outage (the sandbox really
stopped) is a clear, translated refusal that changes nothing, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from payments.models import Payment, Refund
from payments.services import payment_reconcile_one
from sales import services
from sales.errors import SalesError
from sales.models import Order, OrderEvent
from sales.services import RefundActor, order_refund
from tenants.services import instance_token_create
from tests.api.conftest import BotClient
from tests.sales import factories as f

pytestmark = pytest.mark.django_db

STAFF = {"user_id": "4242", "manage_guild": True}
DOWN_PT = "Mercado Pago está indisponível, tente de novo em alguns minutos."
DOWN_EN = "Mercado Pago is unavailable, try again in a few minutes."


def _paid(shop, mp, discord_user_id: str = "800") -> Order:
    variant = f.variant(f.product(shop.tenant, name=f"P{discord_user_id}"), price_cents=2500,
                        keys=1)
    buyer = f.customer(shop.tenant, discord_user_id=discord_user_id)
    services.cart_add(customer=buyer, variant_id=variant.pk)
    result = services.checkout(customer=buyer)
    mp.approve(result.payment.provider_payment_id)
    payment_reconcile_one(payment=result.payment)
    result.order.refresh_from_db()
    return result.order


def _payment(order: Order) -> Payment:
    return Payment.objects.for_tenant(order.tenant_id).get(payable_id=order.pk)


def _unchanged(order: Order) -> None:
    order.refresh_from_db()
    payment = _payment(order)
    assert order.status == Order.Status.PAID
    assert payment.status == Payment.Status.APPROVED and payment.refunded_cents == 0
    assert not Refund.objects.for_tenant(order.tenant_id).exists()
    assert not AuditEvent.objects.filter(action="order.refund").exists()


def test_portal_user_is_recorded_in_audit_and_timeline(shop, mp):
    order = _paid(shop, mp)
    refund = order_refund(order=order, by=RefundActor.portal(shop.owner), reason="desistiu")
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED and refund.amount_cents == 2500
    assert refund.actor == shop.owner
    event = AuditEvent.objects.get(action="order.refund")
    assert event.actor == shop.owner and event.data["via"] == "portal"
    assert event.data["amount_cents"] == 2500 and event.data["reason"] == "desistiu"
    asked = OrderEvent.objects.for_tenant(shop.tenant).get(order=order,
                                                          actor=f"user:{shop.owner.pk}")
    assert asked.actor_user == shop.owner and "desistiu" in asked.reason


def test_staff_in_discord_is_recorded_by_discord_id(shop, mp):
    order = _paid(shop, mp)
    order_refund(order=order, by=RefundActor.discord_staff("4242"), reason="pediu")
    event = AuditEvent.objects.get(action="order.refund")
    assert event.actor is None and event.data["via"] == "bot"
    assert event.data["discord_user_id"] == "4242"
    assert OrderEvent.objects.for_tenant(shop.tenant).filter(
        order=order, actor="bot staff:4242").exists()
    assert Refund.objects.for_tenant(shop.tenant).get().reason == "pediu (bot staff 4242)"


def test_refundability_is_checked_once_in_the_service(shop, mp):
    order = _paid(shop, mp)
    order_refund(order=order, by=RefundActor.portal(shop.owner), reason="x")
    with pytest.raises(SalesError) as refused:
        order_refund(order=order, by=RefundActor.portal(shop.owner), reason="x")
    assert refused.value.code == "not_refundable" and refused.value.status == 409
    with pytest.raises(SalesError) as bad:
        order_refund(order=_paid(shop, mp, "801"), by=RefundActor.portal(shop.owner),
                     reason=" ")
    assert bad.value.code == "refund_invalid" and bad.value.status == 400


def test_provider_down_is_a_clear_error_and_changes_nothing(shop, mp):
    order = _paid(shop, mp)
    mp.stop()  # Mercado Pago really unreachable: the port is closed
    with pytest.raises(SalesError) as down:
        order_refund(order=order, by=RefundActor.portal(shop.owner), reason="desistiu")
    assert down.value.code == "provider_unavailable" and down.value.status == 503
    assert down.value.extra == {"retryable": True}
    _unchanged(order)


def test_bot_api_refund_while_mercadopago_is_down(shop, mp):
    order = _paid(shop, mp)
    _token, raw = instance_token_create(tenant=shop.tenant, actor=shop.owner)
    bot = BotClient(raw)
    mp.stop()
    answer = bot.post(f"orders/{order.code}/refund/", {**STAFF, "reason": "pediu"})
    assert answer.status_code == 503, answer.content
    assert answer.json() == {"error": {"code": "provider_unavailable", "message": DOWN_PT,
                                       "details": {"retryable": True}}}
    _unchanged(order)


def test_portal_refund_while_mercadopago_is_down_shows_a_message(shop, mp, client_for,
                                                                settings):
    settings.LANGUAGE_CODE = "en"
    order = _paid(shop, mp)
    page = reverse("portal:order_detail", args=[shop.tenant.slug, order.code])
    url = reverse("portal:payment_refund", args=[shop.tenant.slug, _payment(order).public_id])
    mp.stop()
    response = client_for(shop.owner).post(url, {"reason": "desistiu", "next": page},
                                           follow=True)
    assert response.status_code == 200
    assert DOWN_EN in response.content.decode()
    _unchanged(order)


def test_portal_refund_records_the_owner(shop, mp, client_for):
    order = _paid(shop, mp)
    url = reverse("portal:payment_refund", args=[shop.tenant.slug, _payment(order).public_id])
    client_for(shop.owner).post(url, {"reason": "desistiu"})
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert AuditEvent.objects.get(action="order.refund").actor == shop.owner


def test_admin_action_refunds_through_the_service(shop, mp, client_for, operator):
    order, pending = _paid(shop, mp), None
    buyer = f.customer(shop.tenant, discord_user_id="802")
    services.cart_add(customer=buyer, variant_id=f.variant(f.product(shop.tenant), keys=1).pk)
    pending = services.order_create_from_cart(customer=buyer)
    response = client_for(operator).post("/admin/sales/order/", {
        "action": "refund", "_selected_action": [order.pk, pending.pk], "confirmed": "1",
        "reason": "fraude"}, follow=True)
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    event = AuditEvent.objects.get(action="order.refund")
    assert event.actor == operator and event.data["via"] == "admin"
    assert OrderEvent.objects.for_tenant(shop.tenant).filter(
        order=order, actor=f"operator:{operator.pk}").exists()
    assert pending.code in response.content.decode()  # not refundable: said, not hidden


def test_provider_refusing_is_refund_refused_not_unavailable(shop, mp):
    order = _paid(shop, mp)
    # Mercado Pago answers 404 for a payment it does not know: a permanent refusal.
    Payment.objects.for_tenant(shop.tenant).filter(payable_id=order.pk).update(
        provider_payment_id="999999999")
    with pytest.raises(SalesError) as refused:
        order_refund(order=order, by=RefundActor.portal(shop.owner), reason="desistiu")
    assert refused.value.code == "refund_refused" and refused.value.status == 409
    assert refused.value.extra == {"retryable": False}
    _unchanged(order)
