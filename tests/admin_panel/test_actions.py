"""Operator actions: they ask for a reason where access changes, audit, and refuse monitors."""

from __future__ import annotations

from django.urls import reverse

from audit.models import AuditEvent
from payments.models import Payment
from sales.models import Customer
from tests.sales import factories as f
from tests.sales.factories import mp  # noqa: F401


def _post_action(client, url, action, ids, **extra):
    return client.post(url, {"action": action, "_selected_action": [str(i) for i in ids],
                             **extra})


def test_block_buyer_asks_for_a_reason_then_blocks(shop, operator, client_for):
    buyer = f.customer(shop.tenant, discord_user_id="555")
    client = client_for(operator)
    url = reverse("admin:sales_customer_changelist")
    page = _post_action(client, url, "block", [buyer.pk])
    assert page.status_code == 200 and b'data-testid="action-reason"' in page.content
    missing = _post_action(client, url, "block", [buyer.pk], confirmed="1", reason="  ")
    assert b"errornote" in missing.content
    assert not Customer.objects.for_tenant(shop.tenant).get(pk=buyer.pk).is_blocked
    done = _post_action(client, url, "block", [buyer.pk], confirmed="1", reason="fraude no PIX")
    assert done.status_code == 302
    assert Customer.objects.for_tenant(shop.tenant).get(pk=buyer.pk).is_blocked
    event = AuditEvent.objects.get(action="customer.block")
    assert event.data["reason"] == "fraude no PIX" and event.actor == operator


def test_monitor_cannot_run_actions(shop, monitor, client_for):
    buyer = f.customer(shop.tenant, discord_user_id="556")
    url = reverse("admin:sales_customer_changelist")
    _post_action(client_for(monitor), url, "block", [buyer.pk], confirmed="1",
                 reason="x")
    assert not Customer.objects.for_tenant(shop.tenant).get(pk=buyer.pk).is_blocked


def test_resync_payment_applies_the_providers_truth(shop, operator, client_for, mp):  # noqa: F811
    from sales import services

    variant = f.variant(f.product(shop.tenant), price_cents=1000, keys=1)
    buyer = f.customer(shop.tenant)
    services.cart_add(customer=buyer, variant_id=variant.pk, quantity=1)
    payment = services.checkout(customer=buyer).payment
    mp.approve(payment.provider_payment_id)
    response = _post_action(client_for(operator), reverse("admin:payments_payment_changelist"),
                            "resync", [payment.pk])
    assert response.status_code == 302
    assert Payment.objects.for_tenant(shop.tenant).get(pk=payment.pk).status == "approved"
    assert AuditEvent.objects.filter(action="payment.resync").exists()


def test_suspend_and_reactivate_a_shop_with_a_reason(shop, operator, client_for):
    from tenants.models import Tenant

    client = client_for(operator)
    url = reverse("admin:tenants_tenant_changelist")
    assert _post_action(client, url, "suspend", [shop.tenant.pk], confirmed="1",
                        reason="").status_code == 200  # asked again, nothing changed
    assert Tenant.objects.get(pk=shop.tenant.pk).status == "active"
    _post_action(client, url, "suspend", [shop.tenant.pk], confirmed="1", reason="chargebacks")
    assert Tenant.objects.get(pk=shop.tenant.pk).status == "suspended"
    _post_action(client, url, "unsuspend", [shop.tenant.pk], confirmed="1", reason="resolved")
    assert Tenant.objects.get(pk=shop.tenant.pk).status == "active"
    reasons = list(AuditEvent.objects.filter(action="tenant.status")
                   .order_by("created_at").values_list("data__reason", flat=True))
    assert reasons == ["chargebacks", "resolved"]


def test_rotate_keys_revokes_the_old_key(shop, operator, client_for):
    from tenants.services import instance_token_authenticate, instance_token_create

    _, old = instance_token_create(tenant=shop.tenant, actor=shop.owner)
    _post_action(client_for(operator), reverse("admin:tenants_tenant_changelist"),
                 "rotate_tokens", [shop.tenant.pk], confirmed="1", reason="leaked")
    assert instance_token_authenticate(raw=old) is None
    assert AuditEvent.objects.filter(action="instance_token.rotate",
                                     data__reason="leaked").exists()


def test_rerun_failed_delivery(shop, operator, client_for, mp):  # noqa: F811
    from payments.registry import Outcome, dispatch
    from sales import services
    from sales.models import Delivery

    variant = f.variant(f.product(shop.tenant), price_cents=1000, keys=1)
    buyer = f.customer(shop.tenant)
    services.cart_add(customer=buyer, variant_id=variant.pk, quantity=1)
    dispatch(services.checkout(customer=buyer).payment, Outcome.APPROVED)
    delivery = Delivery.objects.for_tenant(shop.tenant).get()
    Delivery.objects.for_tenant(shop.tenant).filter(pk=delivery.pk).update(
        state="failed", last_error="DMs closed")
    _post_action(client_for(operator), reverse("admin:sales_delivery_changelist"), "rerun",
                 [delivery.pk])
    assert Delivery.objects.for_tenant(shop.tenant).get(pk=delivery.pk).state == "pending"


def test_operator_starts_and_stops_bots_with_a_reason(shop, operator, client_for):
    from runtime.models import BotRuntime
    from runtime.services import runtime_set_discord_token

    runtime_set_discord_token(tenant=shop.tenant, token="x" * 59, actor=shop.owner)
    runtime = BotRuntime.objects.for_tenant(shop.tenant).get()
    url = reverse("admin:runtime_botruntime_changelist")
    client = client_for(operator)
    _post_action(client, url, "bulk_start", [runtime.pk], confirmed="1", reason="ticket 42")
    runtime.refresh_from_db()
    assert runtime.desired_state == "running" and "ticket 42" in runtime.desired_reason
    _post_action(client, url, "bulk_stop", [runtime.pk], confirmed="1", reason="abuse")
    runtime.refresh_from_db()
    assert runtime.desired_state == "stopped" and runtime.desired_by == operator
