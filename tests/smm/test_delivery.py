"""SMM panel delivery end to end against the SMM sandbox: placed after payment, checked on a
due-time schedule with backoff, completed / partial (undelivered share refunded) / canceled
(refunded), refills, the low-balance alert and panel errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from audit.models import AuditEvent
from payments.models import Payment
from sales.models import Delivery, Order
from smm import services
from smm.models import PanelOrder, Refill
from tests.smm.conftest import LINK, buy_paid, deliver

pytestmark = pytest.mark.django_db


def sweep() -> dict[int, list[int]]:
    """The beat sweeper: claim what is due, check it (as the per-shop task does)."""
    claimed = services.orders_claim_due()
    for tenant_id, ids in claimed.items():
        services.orders_check(tenant_id=tenant_id, ids=ids)
    return claimed


def _po(order) -> PanelOrder:
    return PanelOrder.objects.for_tenant(order.tenant_id).get(order=order)


def test_paid_order_is_placed_once_with_the_buyers_link_and_quantity(smm_shop, mp, panel_sb):
    order = buy_paid(smm_shop, mp, smm_shop.followers, quantity=2)
    assert order.status == "paid"
    assert deliver(order) == ["waiting"]
    [add] = panel_sb.calls("add")
    assert add == {"action": "add", "service": "1", "link": LINK, "quantity": "2000"}
    po = _po(order)
    assert (po.status, po.quantity, po.link) == ("pending", 2000, LINK)
    assert po.next_check_at is not None
    order.refresh_from_db()
    assert order.status == "delivering"  # not delivered until the panel says so
    delivery = Delivery.objects.for_tenant(order.tenant_id).get(order=order)
    assert delivery.state == "waiting"
    # A replayed delivery (a retry, a sweeper) never orders twice.
    Delivery.objects.for_tenant(order.tenant_id).filter(pk=delivery.pk).update(state="pending")
    deliver(order)
    assert len(panel_sb.calls("add")) == 1


def test_nothing_is_checked_before_it_is_due_then_backoff_until_completed(smm_shop, mp,
                                                                          panel_sb):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        order = buy_paid(smm_shop, mp, smm_shop.followers)
        deliver(order)
        assert sweep() == {}  # due in a minute, not now
        assert panel_sb.calls("status") == []
        clock.shift(timedelta(seconds=61))
        assert sweep() == {order.tenant_id: [_po(order).pk]}
        [status] = panel_sb.calls("status")
        assert status["orders"] == _po(order).panel_order_id  # multi-status (orders=...)
        po = _po(order)
        assert po.status == "in_progress" and 0 < po.remains < po.quantity
        assert sweep() == {}  # claimed and rescheduled, not checked again at once
        for _ in range(2):
            clock.shift(timedelta(hours=1))
            sweep()
        po = _po(order)
        assert (po.status, po.remains, po.next_check_at) == ("completed", 0, None)
        order.refresh_from_db()
        assert order.status == "delivered"
        assert Delivery.objects.for_tenant(order.tenant_id).get(order=order).state == "done"


def test_backoff_grows_while_nothing_moves(smm_shop, mp, panel_sb):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        order = buy_paid(smm_shop, mp, smm_shop.followers)
        deliver(order)
        po = _po(order)
        panel_sb.force(po.panel_order_id, status="In progress", remains=500)
        waits = []
        for _ in range(4):
            clock.shift(services.CHECK_BACKOFF[-1])
            sweep()
            po = _po(order)
            waits.append((po.next_check_at - timezone.now()).total_seconds())
        # The first check saw a change (the forced progress); then nothing moves: it slows.
        assert waits == [60, 120, 300, 600]


def test_partial_refunds_the_undelivered_share_to_the_payment_method(smm_shop, mp, panel_sb):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        order = buy_paid(smm_shop, mp, smm_shop.likes, quantity=2)  # R$ 20,00, 2000 likes
        deliver(order)
        for _ in range(3):
            clock.shift(timedelta(hours=1))
            sweep()
        po = _po(order)
        assert (po.status, po.remains) == ("partial", 800)  # 40% not delivered
        assert (po.refund_state, po.refund_cents) == ("due", 800)
        clock.shift(timedelta(seconds=1))
        sweep()  # the due refund is run by the sweeper when its after-commit task was lost
    po = _po(order)
    assert po.refund_state == "done"
    payment = Payment.objects.for_tenant(order.tenant_id).get(payable_id=order.pk)
    assert (payment.status, payment.refunded_cents) == ("approved", 800)
    order.refresh_from_db()
    assert order.status == "delivered"
    assert order.events.filter(reason__startswith="partially refunded R$8.00").exists()
    refund = payment.refunds.get()
    assert refund.amount_cents == 800 and "800 of 2000 not delivered" in refund.reason
    # A replayed sweep refunds nothing twice.
    sweep()
    payment.refresh_from_db()
    assert payment.refunded_cents == 800


def test_canceled_refunds_the_whole_order(smm_shop, mp, panel_sb):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        order = buy_paid(smm_shop, mp, smm_shop.views)
        deliver(order)
        for _ in range(3):
            clock.shift(timedelta(hours=1))
            sweep()
    po = _po(order)
    assert (po.status, po.refund_state, po.refund_cents) == ("canceled", "done", 500)
    order.refresh_from_db()
    assert order.status == "refunded"
    payment = Payment.objects.for_tenant(order.tenant_id).get(payable_id=order.pk)
    assert payment.refunded_cents == 500
    delivery = Delivery.objects.for_tenant(order.tenant_id).get(order=order)
    assert delivery.state == "failed" and delivery.failure_code == "smm_canceled"


def test_refill_where_the_service_allows_it(smm_shop, mp, panel_sb):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        order = buy_paid(smm_shop, mp, smm_shop.followers)
        deliver(order)
        po = _po(order)
        with pytest.raises(services.RefillError) as early:
            services.refill_request(tenant_id=order.tenant_id, discord_user_id="4242",
                                    panel_order_id=po.pk)
        assert early.value.code == "not_allowed"  # not finished yet
        panel_sb.force(po.panel_order_id, status="Completed", remains=0)
        clock.shift(timedelta(minutes=2))
        sweep()
        with pytest.raises(services.RefillError) as stranger:
            services.refill_request(tenant_id=order.tenant_id, discord_user_id="999",
                                    panel_order_id=po.pk)
        assert stranger.value.code == "not_found"  # only the buyer's own orders
        refill = services.refill_request(tenant_id=order.tenant_id, discord_user_id="4242",
                                         panel_order_id=po.pk)
        assert panel_sb.calls("refill") == [{"action": "refill",
                                             "order": po.panel_order_id}]
        with pytest.raises(services.RefillError) as twice:
            services.refill_request(tenant_id=order.tenant_id, discord_user_id="4242",
                                    panel_order_id=po.pk)
        assert twice.value.code == "in_progress"
        for _ in range(2):
            clock.shift(timedelta(hours=1))
            for tenant_id, ids in services.refills_claim_due().items():
                services.refills_check(tenant_id=tenant_id, ids=ids)
    refill = Refill.objects.for_tenant(order.tenant_id).get(pk=refill.pk)
    assert (refill.status, refill.next_check_at) == ("Completed", None)


def test_refill_refused_where_the_service_does_not_allow_it(smm_shop, mp, panel_sb):
    order = buy_paid(smm_shop, mp, smm_shop.views)
    deliver(order)
    po = _po(order)
    PanelOrder.objects.for_tenant(order.tenant_id).filter(pk=po.pk).update(status="completed")
    with pytest.raises(services.RefillError) as refused:
        services.refill_request(tenant_id=order.tenant_id, discord_user_id="4242",
                                panel_order_id=po.pk)
    assert refused.value.code == "not_allowed"
    assert panel_sb.calls("refill") == []


def test_panel_refusal_fails_the_delivery_with_the_panels_words(smm_shop, mp, panel_sb):
    panel_sb.set_balance("0.10")  # 1000 followers cost 0.90
    order = buy_paid(smm_shop, mp, smm_shop.followers)
    assert deliver(order) == ["retry"]  # "not enough funds" goes away when topped up
    delivery = Delivery.objects.for_tenant(order.tenant_id).get(order=order)
    assert delivery.state == "pending" and "funds" in _po(order).last_error
    panel_sb.set_balance("50")
    Delivery.objects.for_tenant(order.tenant_id).filter(pk=delivery.pk).update(attempts=1)
    assert deliver(order) == ["waiting"]


def test_wrong_key_fails_permanently(smm_shop, mp, panel_sb):
    smm_shop.panel.api_key = "wrong"
    smm_shop.panel.save()
    order = buy_paid(smm_shop, mp, smm_shop.followers)
    assert deliver(order) == ["failed"]
    delivery = Delivery.objects.for_tenant(order.tenant_id).get(order=order)
    assert delivery.failure_code == "smm_refused" and "Invalid API key" in delivery.last_error
    order.refresh_from_db()
    assert order.status == "delivery_failed"


def test_outage_during_status_checks_is_retried_by_tenacity_then_backoff(smm_shop, mp,
                                                                        panel_sb):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        order = buy_paid(smm_shop, mp, smm_shop.followers)
        deliver(order)
        panel_sb.outage(1)  # one 502: the client's retry gets through
        clock.shift(timedelta(minutes=2))
        sweep()
        assert _po(order).status == "in_progress"
        panel_sb.outage(10)  # a long outage: the check fails and is rescheduled
        clock.shift(timedelta(hours=1))
        sweep()
        po = _po(order)
        assert "502" in po.last_error and po.next_check_at > timezone.now()


def test_balance_below_threshold_alerts_the_owner_once(smm_shop, mp, panel_sb,
                                                       django_capture_on_commit_callbacks):
    panel = smm_shop.panel
    panel.balance_alert_below = 50
    panel.save()
    smm_shop.owner.email = "dono@example.com"
    smm_shop.owner.save()
    panel_sb.set_balance("20")
    with django_capture_on_commit_callbacks(execute=True):
        services.balance_check(panel=panel, force=True)
        services.balance_check(panel=panel, force=True)
    assert AuditEvent.objects.filter(action="smm.balance_low").count() == 1
    [email] = mail.outbox
    assert email.to == ["dono@example.com"] and "20" in email.body
    panel.refresh_from_db()
    assert panel.balance == 20 and panel.balance_alerted_at is not None
    panel_sb.set_balance("80")
    services.balance_check(panel=panel, force=True)
    panel.refresh_from_db()
    assert panel.balance_alerted_at is None  # above again: the next drop alerts again


def test_refund_of_the_order_stops_checks(smm_shop, mp, panel_sb):
    from sales.services.refunds import RefundActor, order_refund

    order = buy_paid(smm_shop, mp, smm_shop.followers)
    deliver(order)
    order_refund(order=order, by=RefundActor.portal(smm_shop.owner), reason="desistiu")
    po = _po(order)
    assert po.next_check_at is None
    order.refresh_from_db()
    assert order.status == "refunded"
    delivery = Delivery.objects.for_tenant(order.tenant_id).get(order=order)
    assert delivery.state == "revoked"
    assert Order.objects.for_tenant(order.tenant_id).count() == 1


def test_private_panel_url_is_refused_without_calling_it(smm_shop, mp, panel_sb, settings):
    settings.EGRESS_ALLOW_PRIVATE = False
    order = buy_paid(smm_shop, mp, smm_shop.followers)
    assert deliver(order) == ["failed"]
    delivery = Delivery.objects.for_tenant(order.tenant_id).get(order=order)
    assert delivery.failure_code == "smm_refused" and "refused" in delivery.last_error
    assert panel_sb.calls() == []


def test_private_answers_are_never_logged_nor_audited(smm_shop, mp, panel_sb, caplog):
    import logging

    from developer import webhooks

    caplog.set_level(logging.DEBUG)
    secret = "segredo.privado@example.com"
    webhooks.endpoint_create(tenant=smm_shop.tenant, actor=smm_shop.owner,
                             url="http://127.0.0.1:9/h", events=["order.paid"])
    order = buy_paid(smm_shop, mp, smm_shop.followers,
                     answers={"link": LINK, "email": secret})
    deliver(order)
    line = order.lines.get()
    assert {"key": "email", "label": "E-mail", "value": secret, "private": True} in line.answers
    assert secret not in caplog.text
    assert not [e for e in AuditEvent.objects.all() if secret in str(e.data)]
    from developer.models import WebhookDelivery

    [hook] = WebhookDelivery.objects.for_tenant(order.tenant_id)
    assert secret not in str(hook.payload) and LINK in str(hook.payload)
