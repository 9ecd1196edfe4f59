"""The sweepers' due-time queue (tenants.due): only due rows are listed, oldest first, within a
tenant's rows only when claimed, and a row raced for by several real connections is claimed by
exactly one of them."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from growth.models import CartRecovery
from sales.models import Cart
from tenants.due import row_claim, rows_claim_due, rows_due
from tests.environment import postgres_only
from tests.sales import factories as f

W = CartRecovery.State.WAITING


def _recovery(tenant, user_id: str, due_in: timedelta) -> CartRecovery:
    buyer = f.customer(tenant, discord_user_id=user_id)
    now = timezone.now()
    cart = Cart.objects.create(tenant=tenant, customer=buyer, status="expired",
                               expires_at=now)
    return CartRecovery.objects.create(tenant=tenant, cart=cart, customer=buyer,
                                       due_at=now + due_in)


@pytest.mark.django_db
def test_due_rows_oldest_first_and_a_claim_pushes_them_by_the_lease(shop, other_shop):
    late = _recovery(shop.tenant, "1", -timedelta(minutes=1))
    later = _recovery(other_shop.tenant, "2", -timedelta(minutes=5))
    _recovery(shop.tenant, "3", timedelta(minutes=5))  # not yet due
    assert rows_due(CartRecovery, field="due_at", limit=10) == [
        (other_shop.tenant.pk, later.pk), (shop.tenant.pk, late.pk)]
    assert rows_due(CartRecovery, field="due_at", limit=1) == [(other_shop.tenant.pk, later.pk)]
    now = timezone.now()
    claimed = rows_claim_due(CartRecovery, field="due_at", lease=timedelta(minutes=2), now=now,
                             limit=10, state=W)
    assert sorted(claimed) == sorted([(other_shop.tenant.pk, later.pk), (shop.tenant.pk, late.pk)])
    late.refresh_from_db()
    assert late.due_at == now + timedelta(minutes=2)
    assert rows_claim_due(CartRecovery, field="due_at", lease=timedelta(minutes=2), now=now,
                          limit=10, state=W) == []  # leased: not due again until it ends


@pytest.mark.django_db
def test_a_claim_checks_the_tenant_and_the_extra_condition(shop, other_shop):
    row = _recovery(shop.tenant, "1", -timedelta(minutes=1))
    now = timezone.now()
    sending = {"state": CartRecovery.State.SENDING}
    assert not row_claim(CartRecovery, tenant_id=other_shop.tenant.pk, pk=row.pk,
                         field="due_at", now=now, changes=sending, state=W)
    assert not row_claim(CartRecovery, tenant_id=shop.tenant.pk, pk=row.pk, field="due_at",
                         now=now, changes=sending, state=CartRecovery.State.SENT)
    assert row_claim(CartRecovery, tenant_id=shop.tenant.pk, pk=row.pk, field="due_at",
                     now=now, changes=sending, state=W)
    row.refresh_from_db()
    assert row.state == CartRecovery.State.SENDING


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_of_one_row_let_exactly_one_win(shop):
    postgres_only(connection, "contention is measured on PostgreSQL")
    row = _recovery(shop.tenant, "1", -timedelta(minutes=1))
    now = timezone.now()
    barrier = threading.Barrier(6)
    wins: list[bool] = []

    def claim() -> None:
        try:
            barrier.wait(timeout=30)
            wins.append(row_claim(CartRecovery, tenant_id=shop.tenant.pk, pk=row.pk,
                                  field="due_at", now=now,
                                  changes={"due_at": now + timedelta(minutes=2)}))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(wins) == [False] * 5 + [True]
