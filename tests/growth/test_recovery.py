"""Abandoned carts against the Discord sandbox: one DM per cart after N minutes, with a
single-use coupon when the owner wants; never to a buyer who opted out or already paid; a
reminded buyer who pays is a recovered cart."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

from catalog.models import Coupon
from growth import tasks
from growth.models import CartRecovery, Event
from growth.services.recovery import notifications_set
from money import format_money
from payments.registry import Outcome, dispatch
from sales import services
from sales.errors import SalesError
from tests.fulfillment.conftest import buy
from tests.sales import factories as f


def _cart(world):
    variant = f.variant(f.product(world.tenant, "Chave Premium"), "30 dias", 1990, keys=3)
    services.cart_add(customer=world.customer, variant_id=variant.pk, quantity=2)
    return variant


def _sweep_in(minutes: int, capture) -> None:
    with time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False), \
            capture(execute=True):
        tasks.recovery_sweep()


def test_one_reminder_with_a_single_use_coupon_after_the_delay(world, configure,
                                                               django_capture_on_commit_callbacks):
    configure(recovery_enabled=True, recovery_delay_minutes=30, recovery_coupon_percent=15)
    _cart(world)
    _sweep_in(29, django_capture_on_commit_callbacks)
    assert world.sb.dms(world.buyer_id) == []  # not yet
    _sweep_in(31, django_capture_on_commit_callbacks)
    [dm] = world.sb.dms(world.buyer_id)
    row = CartRecovery.objects.for_tenant(world.tenant).get()
    assert row.state == "sent" and row.coupon is not None
    coupon = row.coupon
    assert (coupon.kind, coupon.value, coupon.max_uses, coupon.max_uses_per_customer) == \
        (Coupon.Kind.PERCENT, 15, 1, 1)
    assert f"2x Chave Premium · 30 dias — {format_money(3980)}" in dm["content"]
    assert f"Use o cupom **{coupon.code}** e ganhe 15% de desconto" in dm["content"]
    assert "/notificacoes" in dm["content"]
    # The sweep again, later: still one DM for this cart.
    _sweep_in(120, django_capture_on_commit_callbacks)
    assert len(world.sb.dms(world.buyer_id)) == 1


def test_an_add_pushes_the_reminder_back(world, configure, django_capture_on_commit_callbacks):
    configure(recovery_enabled=True, recovery_delay_minutes=30)
    variant = _cart(world)
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        services.cart_add(customer=world.customer, variant_id=variant.pk)
    _sweep_in(34, django_capture_on_commit_callbacks)
    assert world.sb.dms(world.buyer_id) == []
    _sweep_in(36, django_capture_on_commit_callbacks)
    assert len(world.sb.dms(world.buyer_id)) == 1


def test_a_new_cart_replaces_the_reminder_of_the_expired_one(
        world, configure, django_capture_on_commit_callbacks):
    configure(recovery_enabled=True, recovery_delay_minutes=30)
    variant = _cart(world)
    with time_machine.travel(timezone.now() + timedelta(minutes=20), tick=False):
        services.cart_add(customer=world.customer, variant_id=variant.pk)  # a new cart
    _sweep_in(120, django_capture_on_commit_callbacks)
    assert len(world.sb.dms(world.buyer_id)) == 1
    states = sorted(CartRecovery.objects.for_tenant(world.tenant).values_list("state", "reason"))
    assert states == [("sent", ""), ("skipped", "superseded")]


def test_no_reminder_for_a_buyer_who_opted_out(world, configure,
                                               django_capture_on_commit_callbacks):
    configure(recovery_enabled=True, recovery_delay_minutes=30)
    notifications_set(customer=world.customer, enabled=False)
    _cart(world)
    _sweep_in(31, django_capture_on_commit_callbacks)
    assert world.sb.dms(world.buyer_id) == []
    row = CartRecovery.objects.for_tenant(world.tenant).get()
    assert (row.state, row.reason) == ("skipped", "opted_out")


def test_no_reminder_after_the_buyer_paid(world, configure, django_capture_on_commit_callbacks):
    configure(recovery_enabled=True, recovery_delay_minutes=30)
    variant = _cart(world)
    buy(world, variant)  # the same cart checked out and paid (its key DM is not a reminder)
    dms = len(world.sb.dms(world.buyer_id))
    _sweep_in(31, django_capture_on_commit_callbacks)
    assert len(world.sb.dms(world.buyer_id)) == dms
    assert CartRecovery.objects.for_tenant(world.tenant).get().state == "skipped"


def test_no_reminder_when_disabled(world, configure, django_capture_on_commit_callbacks):
    _cart(world)
    _sweep_in(31, django_capture_on_commit_callbacks)
    assert world.sb.dms(world.buyer_id) == []
    assert not CartRecovery.objects.for_tenant(world.tenant).exists()


def test_paying_with_the_coupon_recovers_the_cart_and_the_coupon_is_single_use(
        world, configure, django_capture_on_commit_callbacks):
    configure(recovery_enabled=True, recovery_delay_minutes=30, recovery_coupon_percent=10)
    variant = _cart(world)
    _sweep_in(31, django_capture_on_commit_callbacks)
    row = CartRecovery.objects.for_tenant(world.tenant).get()
    # The cart expired meanwhile (10-minute TTL); the buyer comes back with the coupon.
    with time_machine.travel(timezone.now() + timedelta(minutes=40), tick=False):
        services.cart_add(customer=world.customer, variant_id=variant.pk, quantity=2)
        services.cart_apply_coupon(customer=world.customer, code=row.coupon.code)
        result = services.checkout(customer=world.customer)
        dispatch(result.payment, Outcome.APPROVED)
    order = result.order
    order.refresh_from_db()
    assert order.coupon_code == row.coupon.code and order.total_cents == 3582  # 2 x 19,90 - 10%
    row.refresh_from_db()
    assert (row.state, row.order_id, row.recovered_cents) == ("recovered", order.pk, 3582)
    assert Event.objects.for_tenant(world.tenant).filter(kind="recovered",
                                                         amount_cents=3582).count() == 1
    # Used once: a second cart cannot take it again.
    services.cart_add(customer=world.customer, variant_id=variant.pk)
    try:
        services.cart_apply_coupon(customer=world.customer, code=row.coupon.code)
    except SalesError:
        pass
    else:
        raise AssertionError("the recovery coupon was accepted twice")


def test_closed_dms_fail_the_reminder_without_retrying(world, configure,
                                                       django_capture_on_commit_callbacks):
    configure(recovery_enabled=True, recovery_delay_minutes=30)
    world.sb.set_dms_open(world.buyer_id, False)
    _cart(world)
    _sweep_in(31, django_capture_on_commit_callbacks)
    row = CartRecovery.objects.for_tenant(world.tenant).get()
    assert (row.state, row.reason) == ("failed", "discord 50007")
    _sweep_in(60, django_capture_on_commit_callbacks)
    assert CartRecovery.objects.for_tenant(world.tenant).get().state == "failed"
