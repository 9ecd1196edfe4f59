"""The ledger: balanced postings, idempotent keys, invariants enforced by PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from audit.models import AuditEvent
from wallet import selectors, services
from wallet.models import Account, Entry, Hold, LedgerTransaction
from wallet.policy import fee_cents, wallet_policy

pytestmark = pytest.mark.django_db


def accounts(tenant):
    return services.tenant_accounts(tenant)


def test_post_moves_balances_and_is_idempotent(shop, check_constraints):
    acc = accounts(shop.tenant)
    clearing = services.platform_account("clearing", tenant=shop.tenant)
    entries = [(clearing, 500), (acc["available"], -500)]
    first = services.post(key="test:1", entries=entries, tenant=shop.tenant)
    again = services.post(key="test:1", entries=entries, tenant=shop.tenant)
    check_constraints()
    assert again.pk == first.pk
    assert Entry.objects.unscoped().filter(transaction=first).count() == 2
    assert selectors.balances(tenant=shop.tenant).available == 500
    assert Account.objects.unscoped().get(pk=clearing.pk).balance_cents == 500
    assert selectors.ledger_verify() == []


@pytest.mark.parametrize("amounts", [[100, -99], [100], [0, 0], [100, -50, -50.0]])
def test_post_refuses_unbalanced_or_odd_amounts(shop, amounts):
    acc = accounts(shop.tenant)
    targets = [acc["pending"], acc["available"], acc["withdrawing"]]
    with pytest.raises(services.LedgerError):
        services.post(key="bad", entries=list(zip(targets, amounts, strict=False)))
    assert not LedgerTransaction.objects.unscoped().filter(key="bad").exists()


def test_database_refuses_an_unbalanced_transaction(shop):
    acc = accounts(shop.tenant)
    clearing = services.platform_account("clearing")
    txn = LedgerTransaction.objects.create(key="raw", tenant=shop.tenant)
    Entry.objects.create(transaction=txn, account=acc["pending"], tenant=shop.tenant, side="C",
                         amount_cents=10)
    Entry.objects.create(transaction=txn, account=clearing, side="D", amount_cents=9)
    with pytest.raises(DatabaseError, match="does not balance"), connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_database_refuses_a_transaction_without_entries(shop):
    LedgerTransaction.objects.create(key="empty", tenant=shop.tenant)
    with pytest.raises(DatabaseError, match="does not balance"), connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_database_refuses_non_positive_amounts(shop):
    acc = accounts(shop.tenant)
    with pytest.raises(IntegrityError), transaction.atomic():
        txn = LedgerTransaction.objects.create(key="neg", tenant=shop.tenant)
        Entry.objects.create(transaction=txn, account=acc["pending"], side="C", amount_cents=-5)


def test_entries_and_transactions_are_append_only(shop):
    services.sale_record(tenant=shop.tenant, payment_id=1, gross_cents=1000, method="pix")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Entry.objects.unscoped().update(amount_cents=1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Entry.objects.unscoped().all().delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerTransaction.objects.unscoped().update(memo="x")


def test_duplicate_posting_key_is_refused_by_the_database(shop):
    services.sale_record(tenant=shop.tenant, payment_id=1, gross_cents=1000, method="pix")
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerTransaction.objects.create(key="sale:1", tenant=shop.tenant)


@pytest.mark.parametrize(("gross", "percent", "fee"), [
    (1000, "5.0", 50), (1010, "5.0", 51),  # 50.5 rounds half-up to 51
    (1009, "5.0", 50),                      # 50.45 rounds down
    (1, "5.0", 0), (10, "5.0", 1),          # 0.5 rounds up
    (333, "3.33", 11), (999999, "0", 0), (1234, "100", 1234),
])
def test_fee_rounds_half_up_and_nothing_is_lost(gross, percent, fee):
    assert fee_cents(gross, Decimal(percent)) == fee


def test_sale_splits_gross_fee_and_net(shop, check_constraints):
    txn = services.sale_record(tenant=shop.tenant, payment_id=7, gross_cents=1010, method="pix")
    check_constraints()
    assert txn.key == "sale:7"
    assert services.platform_account("clearing", tenant=shop.tenant).balance_cents == 1010
    assert services.platform_account("fees", tenant=shop.tenant).balance_cents == 51
    assert selectors.platform_balance("clearing") == 1010
    assert selectors.balances(tenant=shop.tenant).pending == 959
    hold = Hold.objects.for_tenant(shop.tenant).get()
    assert (hold.amount_cents, hold.remaining_cents) == (959, 959)
    assert AuditEvent.objects.filter(action="wallet.sale", tenant=shop.tenant).count() == 1


def test_same_sale_event_twice_posts_once(shop):
    for _ in range(3):
        services.sale_record(tenant=shop.tenant, payment_id=7, gross_cents=1000, method="card")
    assert LedgerTransaction.objects.unscoped().filter(key="sale:7").count() == 1
    assert Hold.objects.for_tenant(shop.tenant).count() == 1
    assert selectors.balances(tenant=shop.tenant).pending == 950


def test_policy_reads_tenant_settings_with_defaults(shop):
    policy = wallet_policy(shop.tenant)
    assert (policy.fee_percent, policy.hold_days_pix, policy.hold_days_card,
            policy.min_withdrawal_cents) == (Decimal("5.0"), 1, 7, 1000)
    shop.tenant.settings = {"fee_percent": "2.5", "hold_days_card": 14, "hold_days_pix": "x"}
    policy = wallet_policy(shop.tenant)
    assert (policy.fee_percent, policy.hold_days_card, policy.hold_days_pix) == (
        Decimal("2.5"), 14, 1)


def test_release_after_hold_period_per_method(shop):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        services.sale_record(tenant=shop.tenant, payment_id=1, gross_cents=1000, method="pix")
        services.sale_record(tenant=shop.tenant, payment_id=2, gross_cents=2000, method="card")
    with time_machine.travel(start + timedelta(hours=23), tick=False):
        assert services.releases_run() == 0
    with time_machine.travel(start + timedelta(days=1, minutes=1), tick=False):
        assert services.releases_run() == 1
        assert services.releases_run() == 0
    assert selectors.balances(tenant=shop.tenant) == selectors.Balances(pending=1900,
                                                                        available=950)
    with time_machine.travel(start + timedelta(days=7, minutes=1), tick=False):
        assert services.releases_run() == 1
    assert selectors.balances(tenant=shop.tenant) == selectors.Balances(available=2850)
    assert LedgerTransaction.objects.unscoped().filter(kind="release").count() == 2
    assert selectors.ledger_verify() == []


def test_refund_takes_pending_first_then_available_into_debt(funded):
    tenant = funded.tenant
    services.sale_record(tenant=tenant, payment_id=2, gross_cents=1000, method="card")
    assert selectors.balances(tenant=tenant) == selectors.Balances(pending=950, available=20000)
    services.sale_reverse(tenant=tenant, key="refund:1", amount_cents=1000, reason="buyer",
                          payment_id=2)
    assert selectors.balances(tenant=tenant) == selectors.Balances(pending=0, available=19950)
    services.sale_reverse(tenant=tenant, key="chargeback:9001", amount_cents=21053,
                          reason="chargeback")
    balances = selectors.balances(tenant=tenant)
    assert balances.available == 19950 - 21053 and balances.in_debt
    assert services.platform_account("refunds").balance_cents == 22053
    assert LedgerTransaction.objects.unscoped().get(key="chargeback:9001").kind == "chargeback"
    # a retried refund event posts nothing
    services.sale_reverse(tenant=tenant, key="refund:1", amount_cents=1000, reason="buyer")
    assert services.platform_account("refunds").balance_cents == 22053
    assert selectors.ledger_verify() == []


def test_debt_is_covered_by_later_sales(funded):
    services.sale_reverse(tenant=funded.tenant, key="refund:x", amount_cents=20500, reason="r")
    assert selectors.balances(tenant=funded.tenant).available == -500
    services.sale_record(tenant=funded.tenant, payment_id=3, gross_cents=1000, method="pix")
    services.releases_run(now=timezone.now() + timedelta(days=2))
    assert selectors.balances(tenant=funded.tenant).available == 450


@pytest.mark.parametrize("amount", [-1, 0, "1.5", "abc", 1.5, True, None])
def test_reverse_refuses_bad_amounts(funded, amount):
    with pytest.raises(services.WalletError):
        services.sale_reverse(tenant=funded.tenant, key="refund:bad", amount_cents=amount,
                              reason="r")
    assert not LedgerTransaction.objects.unscoped().filter(key="refund:bad").exists()


def test_wallet_verify_command_detects_a_tampered_balance(funded, capsys, plant):
    call_command("wallet_verify")
    assert "balanced" in capsys.readouterr().out
    plant("UPDATE wallet_account SET balance_cents = 1 WHERE kind = 'available' "
          f"AND tenant_id = {funded.tenant.pk}")
    with pytest.raises(CommandError):
        call_command("wallet_verify")
    assert "balance 1 != 20000" in capsys.readouterr().err


def test_nightly_task_alerts_operators(funded, mailoutbox, settings, plant):
    from wallet import tasks

    settings.ADMINS = [("Ops", "ops@example.com")]
    assert tasks.verify_ledger() == 0
    plant("UPDATE wallet_account SET balance_cents = 5 WHERE kind = 'pending' "
          f"AND tenant_id = {funded.tenant.pk}")
    assert tasks.verify_ledger() >= 1
    assert AuditEvent.objects.filter(action="wallet.verify.failed").exists()
    assert len(mailoutbox) == 1


def test_release_task_and_beat_schedule(shop):
    from wallet import beat, tasks

    services.sale_record(tenant=shop.tenant, payment_id=1, gross_cents=1000, method="pix")
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        assert tasks.release_holds() == 1
    assert {v["task"] for v in beat.SCHEDULE.values()} == {"wallet.tasks.release_holds",
                                                          "wallet.tasks.verify_ledger"}


def test_platform_totals_close_the_books(funded, other_shop):
    services.sale_record(tenant=other_shop.tenant, payment_id=5, gross_cents=5000, method="card")
    totals = selectors.platform_totals()
    assert totals["clearing"] == 26053
    assert totals["clearing"] == totals["held"] + totals["fees"] + totals["payouts"] + totals[
        "refunds"]
