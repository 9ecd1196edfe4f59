"""Applying a payment locks the order, not the shop (issue 25).

`SELECT ... FOR UPDATE` with a join locks every joined row: the order lock taken with its
tenant joined held the shop's tenant row until commit, so every payment of one shop (a
product drop) was applied one at a time. Real concurrent PostgreSQL connections.
"""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, close_old_connections, connection, transaction

from payments.registry import Outcome, dispatch
from sales import services
from sales.fulfillment import services as fulfillment
from tenants.models import Tenant
from tests.environment import postgres_only
from tests.sales import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


def _tenant_row_free(tenant_id: int) -> bool:
    """Can another connection lock the shop's row right now (NOWAIT: no waiting, an error)?"""
    try:
        with transaction.atomic():
            Tenant.objects.select_for_update(nowait=True).get(pk=tenant_id)
        return True
    except DatabaseError:
        return False


def _while_open(work) -> bool:
    """Run `work` in a transaction on another connection; while it is open, is the shop's
    tenant row free?"""
    inside, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                work()
                inside.set()
                release.wait(30)
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            inside.set()
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert inside.wait(30)
        free = _tenant_row_free(work.tenant_id)
    finally:
        release.set()
        thread.join(30)
        close_old_connections()
    assert not errors, errors
    return free


def test_applying_a_payment_or_settling_an_order_leaves_the_shop_row_unlocked(shop, mp):
    postgres_only(connection, "row locks are PostgreSQL's")
    v = f.variant(f.product(shop.tenant), keys=2)
    buyer = f.customer(shop.tenant, discord_user_id="777")
    services.cart_add(customer=buyer, variant_id=v.pk)
    result = services.checkout(customer=buyer)

    def approve() -> None:
        dispatch(result.payment, Outcome.APPROVED)  # as the webhook task applies it

    approve.tenant_id = shop.tenant.pk
    assert _while_open(approve)

    def settle() -> None:
        fulfillment.order_settle(tenant_id=shop.tenant.pk, order_id=result.order.pk)

    settle.tenant_id = shop.tenant.pk
    assert _while_open(settle)
    result.order.refresh_from_db()
    assert result.order.status == "paid"  # the approval committed; deliveries pending
