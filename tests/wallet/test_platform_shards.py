"""The platform's clearing and fees accounts split into shards (issue 25).

A sale posts to the shard its tenant's id picks, so two shops' sales never wait on one row;
a kind's balance, the platform totals and the ledger check all read the sum over its shards.
Real PostgreSQL, real concurrent connections.
"""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection, transaction

from wallet import selectors, services
from wallet.models import PLATFORM_SHARDS, SHARDED_KINDS, Account, AccountKind, LedgerTransaction

K = AccountKind


def test_shard_is_picked_by_tenant_id_for_sale_kinds_only(shop, other_shop):
    one, two = shop.tenant, other_shop.tenant
    assert {K.CLEARING, K.FEES} == SHARDED_KINDS
    for kind in SHARDED_KINDS:
        assert services.platform_shard(kind, one) == one.pk % PLATFORM_SHARDS
        assert services.platform_shard(kind, two.pk) == two.pk % PLATFORM_SHARDS
        assert services.platform_shard(kind) == 0
    for kind in (K.PAYOUTS, K.REFUNDS):  # rare postings: one row, whoever posts
        assert services.platform_shard(kind, one) == services.platform_shard(kind, two) == 0
        assert services.platform_account(kind, tenant=one) == \
            services.platform_account(kind, tenant=two)


@pytest.mark.django_db
def test_sales_of_two_shops_post_to_their_own_shards_and_the_totals_sum_them(shop, other_shop):
    one, two = shop.tenant, other_shop.tenant
    assert one.pk % PLATFORM_SHARDS != two.pk % PLATFORM_SHARDS  # consecutive ids
    services.sale_record(tenant=one, payment_id=1, gross_cents=1000, method="pix")
    services.sale_record(tenant=two, payment_id=2, gross_cents=3000, method="pix")
    services.sale_record(tenant=two, payment_id=3, gross_cents=2000, method="card")

    clearing = dict(Account.objects.unscoped().filter(tenant__isnull=True, kind=K.CLEARING)
                    .values_list("shard", "balance_cents"))
    assert clearing == {one.pk % PLATFORM_SHARDS: 1000, two.pk % PLATFORM_SHARDS: 5000}
    fees = services.platform_account(K.FEES, tenant=one).balance_cents + \
        services.platform_account(K.FEES, tenant=two).balance_cents
    assert selectors.platform_balance(K.CLEARING) == 6000
    assert selectors.platform_balance(K.FEES) == fees == 300  # 5% of each
    totals = selectors.platform_totals()
    assert (totals[K.CLEARING], totals[K.FEES], totals["held"]) == (6000, 300, 5700)
    # The books close over the sums (clearing = held + fees) and each shard keeps its rule.
    assert selectors.ledger_verify() == []


@pytest.mark.django_db
def test_a_sharded_platform_row_is_posted_only_for_a_tenant_on_its_own_shard(shop, other_shop):
    one, two = shop.tenant, other_shop.tenant
    available = services.tenant_accounts(one)[K.AVAILABLE]
    for kind in (K.CLEARING, K.FEES):  # available is funded first, then taken back
        mine = services.platform_account(kind, tenant=one)
        theirs = services.platform_account(kind, tenant=two)
        sign = 1 if kind == K.CLEARING else -1  # fees are credited, clearing debited
        with pytest.raises(services.LedgerError, match="needs tenant="):
            services.post(key=f"no-tenant:{kind}", entries=[(mine, 100 * sign),
                                                             (available, -100 * sign)])
        with pytest.raises(services.LedgerError, match="its own shard"):
            services.post(key=f"other-shard:{kind}", tenant=one,
                          entries=[(theirs, 100 * sign), (available, -100 * sign)])
        services.post(key=f"own-shard:{kind}", tenant=one,
                      entries=[(mine, 100 * sign), (available, -100 * sign)])
    assert set(LedgerTransaction.objects.unscoped().values_list("key", flat=True)) \
        == {f"own-shard:{kind}" for kind in SHARDED_KINDS}
    assert services.tenant_accounts(one)[K.AVAILABLE].balance_cents == 0


@pytest.mark.django_db
def test_shards_open_at_zero_and_only_for_platform_sale_kinds(shop):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.unscoped().create(tenant=None, kind=K.PAYOUTS, shard=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.unscoped().create(tenant=shop.tenant, kind=K.PENDING, shard=1)
    with pytest.raises(IntegrityError), transaction.atomic():  # one row per (kind, shard)
        services.platform_account(K.CLEARING, tenant=shop.tenant)
        Account.objects.unscoped().create(tenant=None, kind=K.CLEARING,
                                          shard=services.platform_shard(K.CLEARING, shop.tenant))


@pytest.mark.django_db(transaction=True)
def test_a_sale_does_not_wait_on_another_shops_open_sale(shop, other_shop):
    """The lock a sale takes on the platform side is its shard's: while one shop's sale holds
    its transaction open, another shop's sale commits (the shared rows made it wait)."""
    for tenant in (shop.tenant, other_shop.tenant):  # rows exist, so no insert races either
        services.tenant_accounts(tenant)
        for kind in SHARDED_KINDS:
            services.platform_account(kind, tenant=tenant)
    holding, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first_sale() -> None:
        try:
            with transaction.atomic():
                services.sale_record(tenant=shop.tenant, payment_id=11, gross_cents=1000,
                                     method="pix")
                holding.set()
                release.wait(30)
        finally:
            holding.set()
            connection.close()

    thread = threading.Thread(target=first_sale)
    thread.start()
    try:
        assert holding.wait(30)
        with transaction.atomic():
            with connection.cursor() as cursor:  # waiting on a lock fails fast instead
                cursor.execute("SET LOCAL lock_timeout = '3s'")
            services.sale_record(tenant=other_shop.tenant, payment_id=12, gross_cents=2000,
                                 method="pix")
        outcome["second"] = "committed"
    finally:
        release.set()
        thread.join(30)
        close_old_connections()
    assert outcome == {"second": "committed"}
    assert selectors.platform_balance(K.CLEARING) == 3000
    assert selectors.ledger_verify() == []
