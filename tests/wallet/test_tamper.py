"""The ledger refuses tampering at the database: raw SQL, as an attacker with a connection would.

Each tampering runs in its own real database transaction against books committed earlier by the
services (so "a transaction posted earlier" is real history, and the deferred checks fire at a
real COMMIT). Each must be refused with the database's own reason, and leave every row as it
was. TRUNCATE is out of scope: it is not a row operation (the suite itself empties tables with
it) and wallet_verify reports what it leaves behind.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from wallet import selectors, services
from wallet.models import Account, AccountKind, Entry, LedgerTransaction

BIG = 10**9  # more than any balance of these books
KEYS = itertools.count(1)  # a fresh posting key for each raw posting


@dataclass(frozen=True)
class Books:
    shop: Any
    tenant: int
    other_tenant: int
    accounts: dict[str, tuple[int, int | None]]  # name -> (account id, tenant id)
    sale: int  # a sale transaction posted (and committed) earlier
    entry: int  # one of its entries (the credit to pending)


@pytest.fixture
def books(shop, other_shop) -> Books:
    """Committed books: available R$ 150,00, pending R$ 9,50, withdrawing R$ 50,00."""
    tenant = shop.tenant
    services.sale_record(tenant=tenant, payment_id=9001, gross_cents=21053, method="pix")
    services.releases_run(now=timezone.now() + timedelta(days=2))
    sale = services.sale_record(tenant=tenant, payment_id=9002, gross_cents=1000, method="card")
    services.withdrawal_request(tenant=tenant, actor=shop.owner, amount_cents=5000,
                                pix_key_type="email", pix_key="dona@example.com")
    accounts = {kind: (a.pk, tenant.pk) for kind, a in services.tenant_accounts(tenant).items()}
    # The platform rows this tenant's sales use (clearing and fees are sharded by tenant).
    accounts |= {kind: (services.platform_account(kind, tenant=tenant).pk, None)
                 for kind in ("clearing", "fees", "payouts", "refunds")}
    other = services.tenant_accounts(other_shop.tenant)["available"]
    accounts["other_available"] = (other.pk, other_shop.tenant.pk)
    entry = Entry.objects.unscoped().get(transaction=sale, account_id=accounts["pending"][0])
    assert selectors.balances(tenant=tenant) == selectors.Balances(
        pending=950, available=15000, withdrawing=5000)
    return Books(shop=shop, tenant=tenant.pk, other_tenant=other_shop.tenant.pk, accounts=accounts,
                 sale=sale.pk, entry=entry.pk)


# --- Raw SQL builders --------------------------------------------------------------------------
NEW_TXN = "currval(pg_get_serial_sequence('wallet_ledgertransaction', 'id'))"
USD_AVAILABLE = "(SELECT id FROM wallet_account WHERE currency = 'USD' AND tenant_id = {tenant})"


def txn(b: Books, key: str, kind: str = "other") -> str:
    return ("INSERT INTO wallet_ledgertransaction (key, kind, tenant_id, memo, created_at) "
            f"VALUES ('{key}', '{kind}', {b.tenant}, '', now())")


def entries(b: Books, into: str | int, *lines: tuple) -> str:
    """lines: (account name or SQL id, side, amount[, tenant id override])."""
    rows = []
    for account, side, amount, *tenant in lines:
        account_id, owner = b.accounts.get(account, (account, b.tenant))
        owner = tenant[0] if tenant else owner
        rows.append(f"({into}, {account_id}, {'NULL' if owner is None else owner}, '{side}', "
                    f"{amount}, now())")
    return ("INSERT INTO wallet_entry (transaction_id, account_id, tenant_id, side, "
            f"amount_cents, created_at) VALUES {', '.join(rows)}")


def posting(b: Books, kind: str, *lines: tuple) -> list[str]:
    return [txn(b, f"raw:{kind}:{next(KEYS)}", kind), entries(b, NEW_TXN, *lines)]


def account_update(b: Books, assignment: str, *names: str) -> str:
    ids = ", ".join(str(b.accounts[name][0]) for name in names)
    return f"UPDATE wallet_account SET {assignment} WHERE id IN ({ids})"


@dataclass(frozen=True)
class Tampering:
    name: str
    sql: object  # Books -> list of statements
    refused: str  # a regex of what the database must say (so a typo never counts as refused)


APPEND_ONLY = "append-only"
UNBALANCED = "does not balance"
NON_NEGATIVE = "wallet_account_balance_non_negative"
BALANCE_GUARD = "balances are moved only by posting entries"
POSTED = "already posted"

TAMPERINGS = [
    # Entries and transactions are history: no rewriting, no removal.
    Tampering("update an entry's amount", lambda b: [
        f"UPDATE wallet_entry SET amount_cents = amount_cents + 100 WHERE id = {b.entry}"],
        APPEND_ONLY),
    Tampering("flip an entry's side", lambda b: [
        f"UPDATE wallet_entry SET side = 'D' WHERE id = {b.entry}"], APPEND_ONLY),
    Tampering("move an entry to another account", lambda b: [
        f"UPDATE wallet_entry SET account_id = {b.accounts['available'][0]} "
        f"WHERE id = {b.entry}"], APPEND_ONLY),
    Tampering("delete an entry", lambda b: [
        f"DELETE FROM wallet_entry WHERE id = {b.entry}"], APPEND_ONLY),
    Tampering("rewrite a transaction's key and memo", lambda b: [
        f"UPDATE wallet_ledgertransaction SET key = 'other:1', memo = 'x' WHERE id = {b.sale}"],
        APPEND_ONLY),
    Tampering("delete a transaction with its entries", lambda b: [
        f"DELETE FROM wallet_entry WHERE transaction_id = {b.sale}",
        f"DELETE FROM wallet_ledgertransaction WHERE id = {b.sale}"], APPEND_ONLY),
    Tampering("re-stamp a posted transaction as this database transaction's", lambda b: [
        "UPDATE wallet_ledgertransaction SET posting_xact = pg_current_xact_id() "
        f"WHERE id = {b.sale}"], APPEND_ONLY),
    # Every transaction balances, has two entries or more, and its own key.
    Tampering("post an unbalanced transaction", lambda b: posting(
        b, "other", ("clearing", "D", 1000), ("available", "C", 999)), UNBALANCED),
    Tampering("post a single entry", lambda b: posting(
        b, "other", ("clearing", "D", 500)), UNBALANCED),
    Tampering("post a transaction without entries", lambda b: [txn(b, "raw:empty")],
              UNBALANCED),
    Tampering("post negative amounts", lambda b: posting(
        b, "other", ("clearing", "D", -100), ("available", "C", -100)),
        "wallet_entry_amount_positive"),
    Tampering("post zero amounts", lambda b: posting(
        b, "other", ("clearing", "D", 0), ("available", "C", 0)),
        "wallet_entry_amount_positive"),
    Tampering("post an unknown side", lambda b: posting(
        b, "other", ("clearing", "X", 100), ("available", "C", 100)), "wallet_entry_side"),
    Tampering("reuse a posting key", lambda b: [txn(b, "sale:9001", "sale")],
              "wallet_ledgertransaction_key_key"),
    Tampering("post to an unknown account", lambda b: posting(
        b, "other", ("clearing", "D", 100), (999999999, "C", 100)),
        "unknown account|foreign key"),
    Tampering("post into an unknown transaction", lambda b: [entries(
        b, 999999999, ("clearing", "D", 100), ("available", "C", 100))],
        "unknown|foreign key"),
    # A posted transaction takes no new entries.
    Tampering("append a balanced pair to a posted transaction", lambda b: [entries(
        b, b.sale, ("clearing", "D", 100), ("available", "C", 100))], POSTED),
    Tampering("append a pair to a posted transaction next to a fresh posting", lambda b: [
        *posting(b, "other", ("clearing", "D", 100), ("available", "C", 100)),
        entries(b, b.sale, ("available", "D", 100), ("withdrawing", "C", 100))], POSTED),
    # Balances never go below zero, but available's debt after refunds.
    Tampering("drive pending negative with a balanced posting", lambda b: posting(
        b, "other", ("pending", "D", BIG), ("available", "C", BIG)), NON_NEGATIVE),
    Tampering("drive withdrawing negative with a balanced posting", lambda b: posting(
        b, "other", ("withdrawing", "D", BIG), ("available", "C", BIG)), NON_NEGATIVE),
    Tampering("drive the platform's fees negative", lambda b: posting(
        b, "other", ("fees", "D", BIG), ("available", "C", BIG)), NON_NEGATIVE),
    Tampering("withdraw more than available (available into debt)", lambda b: posting(
        b, "withdrawal", ("available", "D", BIG), ("withdrawing", "C", BIG)),
        "only through a refund or chargeback"),
    # Running balances are written by the posting trigger only.
    Tampering("write a running balance directly", lambda b: [
        account_update(b, "balance_cents = balance_cents + 100000", "available")],
        BALANCE_GUARD),
    Tampering("release pending by hand, keeping the books closed", lambda b: [
        account_update(b, "balance_cents = 0", "pending"),
        account_update(b, "balance_cents = balance_cents + 950", "available")], BALANCE_GUARD),
    Tampering("write a balance with the posting flag forged", lambda b: [
        "SELECT set_config('wallet.posting', 'on', true)",
        account_update(b, "balance_cents = 0", "withdrawing")], BALANCE_GUARD),
    Tampering("turn withdrawing money into available money (change kind)", lambda b: [
        account_update(b, "kind = 'available', currency = 'USD'", "withdrawing")],
        BALANCE_GUARD),
    Tampering("move the platform's clearing row to another shard", lambda b: [
        account_update(b, "shard = shard + 100", "clearing")], BALANCE_GUARD),
    Tampering("move a balance between fee shards with the posting flag forged", lambda b: [
        "SELECT set_config('wallet.posting', 'on', true)",
        account_update(b, "shard = shard + 100", "fees")], BALANCE_GUARD),
    Tampering("open an account with a balance", lambda b: [
        "INSERT INTO wallet_account (tenant_id, kind, currency, balance_cents, created_at) "
        f"VALUES ({b.tenant}, 'available', 'USD', 100000, now())"], "opens at zero"),
    Tampering("open a platform-kind account for a tenant", lambda b: [
        "INSERT INTO wallet_account (tenant_id, kind, currency, balance_cents, created_at) "
        f"VALUES ({b.tenant}, 'fees', 'BRL', 0, now())"], "wallet_account_kind_matches_owner"),
    Tampering("delete an account that holds money", lambda b: [
        f"DELETE FROM wallet_account WHERE id = {b.accounts['pending'][0]}"],
        "violates foreign key constraint"),
    # Entries are filed under their account's tenant, one shop and one currency per transaction.
    Tampering("file an entry under another tenant (statement leak)", lambda b: posting(
        b, "other", ("clearing", "D", 100), ("available", "C", 100, b.other_tenant)),
        "names a tenant other than its account"),
    Tampering("move money to another shop in a balanced posting", lambda b: posting(
        b, "other", ("available", "D", 100), ("other_available", "C", 100)),
        "tenant other than its transaction's"),
    Tampering("mix currencies in one transaction", lambda b: [
        "INSERT INTO wallet_account (tenant_id, kind, currency, balance_cents, created_at) "
        f"VALUES ({b.tenant}, 'available', 'USD', 0, now())",
        *posting(b, "other", ("clearing", "D", 100),
                 (USD_AVAILABLE.format(tenant=b.tenant), "C", 100))], "mixes currencies"),
]


def snapshot() -> tuple:
    return (sorted(Account.objects.unscoped().values_list("pk", "kind", "currency", "shard",
                                                          "balance_cents")),
            Entry.objects.unscoped().count(), LedgerTransaction.objects.unscoped().count())


def attempt(statements: list[str]) -> str | None:
    """Run the statements as one database transaction; the database's refusal, or None."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    except DatabaseError as error:
        return str(error)
    return None


@pytest.mark.django_db(transaction=True)
def test_every_tampering_is_refused_and_changes_nothing(books, subtests):
    before = snapshot()
    for case in TAMPERINGS:
        with subtests.test(msg=case.name):
            refusal = attempt(case.sql(books))
            assert refusal is not None, f"accepted: {case.name}"
            assert re.search(case.refused, refusal), refusal
            assert snapshot() == before
    assert selectors.ledger_verify() == []
    assert len(TAMPERINGS) >= 32


@pytest.mark.django_db(transaction=True)
def test_a_raw_balanced_posting_is_accepted_and_moves_the_balances(books):
    # The control: the same raw SQL path, used correctly, works (so the refusals above are
    # real), and the balances move with it, written by the database's posting trigger.
    assert attempt(posting(books, "other", ("clearing", "D", 700), ("available", "C", 400),
                           ("fees", "C", 300))) is None
    acc = {kind: Account.objects.unscoped().get(pk=books.accounts[kind][0]).balance_cents
           for kind in ("clearing", "available", "fees")}
    assert acc == {"clearing": 22053 + 700, "available": 15000 + 400, "fees": 1103 + 300}
    assert selectors.ledger_verify() == []


class _RolledBack(Exception):
    pass


def attempt_then_undo(statements: list[str]) -> str | None:
    """Like attempt(), but rolled back even when accepted (the statements hold DDL)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            raise _RolledBack
    except DatabaseError as error:
        return str(error)
    except _RolledBack:
        return None


@pytest.mark.django_db(transaction=True)
def test_a_shard_change_is_refused_even_from_inside_a_posting(books):
    # The guard's one open path is the posting trigger's own UPDATE (trigger depth 2, the
    # flag on), where only balance_cents may change. A trigger riding on a posting the same way
    # must not move the tenant's clearing row to another shard (migration 0009).
    clearing = books.accounts["clearing"][0]
    rider = [
        "CREATE FUNCTION wallet_test_shard_rider() RETURNS trigger AS $$ BEGIN "
        "PERFORM set_config('wallet.posting', 'on', true); "
        f"UPDATE wallet_account SET shard = shard + 100 WHERE id = {clearing}; "
        "RETURN NULL; END; $$ LANGUAGE plpgsql",
        "CREATE TRIGGER wallet_test_shard_rider AFTER INSERT ON wallet_entry "
        "FOR EACH STATEMENT EXECUTE FUNCTION wallet_test_shard_rider()",
    ]
    # The control: the same rider moving the balance only is let through (so the path is real).
    control = [s.replace("shard = shard + 100", "balance_cents = balance_cents") for s in rider]
    assert attempt_then_undo([*control, *posting(books, "other", ("clearing", "D", 100),
                                                 ("available", "C", 100))]) is None
    before = snapshot()
    refusal = attempt_then_undo([*rider, *posting(books, "other", ("clearing", "D", 100),
                                                  ("available", "C", 100))])
    assert refusal is not None and BALANCE_GUARD in refusal, refusal
    assert snapshot() == before
    assert Account.objects.unscoped().get(pk=clearing).shard == services.platform_shard(
        "clearing", books.shop.tenant)


@pytest.mark.django_db(transaction=True)
def test_a_chargeback_beyond_pending_still_puts_available_into_debt(books):
    # The one negative balance the design records, and the database accepts: a tenant's debt.
    services.sale_reverse(tenant=books.shop.tenant, key="chargeback:9001", amount_cents=21053,
                          reason="chargeback")
    assert selectors.balances(tenant=books.shop.tenant) == selectors.Balances(
        pending=0, available=15000 - (21053 - 950), withdrawing=5000)
    assert selectors.ledger_verify() == []


# --- wallet_verify catches what the database would refuse, once its defences are bypassed ------
@pytest.mark.django_db
def test_every_account_kind_has_a_rule():
    assert set(selectors.KIND_RULES) == set(AccountKind.values)


@pytest.mark.django_db
def test_wallet_verify_reports_a_negative_withdrawing_balance(funded, plant, capsys):
    # A balanced posting that moved R$ 5,00 from withdrawing back to available, planted with
    # triggers and the non-negative CHECK off, balances written to match: entries and balances
    # agree and the books close, so only the per-kind rules can notice.
    acc = services.tenant_accounts(funded.tenant)
    tenant = funded.tenant.pk
    plant("INSERT INTO wallet_ledgertransaction (key, kind, tenant_id, memo, created_at) "
          f"VALUES ('planted', 'other', {tenant}, '', now())",
          "INSERT INTO wallet_entry (transaction_id, account_id, tenant_id, side, amount_cents, "
          f"created_at) VALUES ({NEW_TXN}, {acc['withdrawing'].pk}, {tenant}, 'D', 500, now()), "
          f"({NEW_TXN}, {acc['available'].pk}, {tenant}, 'C', 500, now())",
          "UPDATE wallet_account SET balance_cents = balance_cents - 500 "
          f"WHERE id = {acc['withdrawing'].pk}",
          "UPDATE wallet_account SET balance_cents = balance_cents + 500 "
          f"WHERE id = {acc['available'].pk}", drop_non_negative=True)
    assert selectors.balances(tenant=funded.tenant) == selectors.Balances(available=20500,
                                                                          withdrawing=-500)
    problems = selectors.ledger_verify()
    assert not [p for p in problems if "from its entries" in p or "books open" in p], problems
    name = f"account {funded.tenant.slug}:withdrawing (#{acc['withdrawing'].pk})"
    assert f"{name}: withdrawing balance -500 is negative; rule: never negative; equals the " \
           "tenant's pending withdrawals" in problems
    assert f"tenant #{tenant}: withdrawing -500 != pending withdrawals 0" in problems
    with pytest.raises(CommandError, match="problem"):
        call_command("wallet_verify")
    assert "withdrawing balance -500 is negative" in capsys.readouterr().err


def plant_posting(plant, tenant, *lines: tuple, filed_under=None) -> None:
    """A balanced posting written past the defences, balances moved to match its entries (so
    only the per-kind rules can tell). lines: (account, side, amount)."""
    rows, moves = [], []
    for account, side, amount in lines:
        owner = filed_under if filed_under is not None else account.tenant_id
        rows.append(f"({NEW_TXN}, {account.pk}, {'NULL' if owner is None else owner}, "
                    f"'{side}', {amount}, now())")
        grows = (side == "D") == (account.kind == "clearing")
        moves.append("UPDATE wallet_account SET balance_cents = balance_cents "
                     f"{'+' if grows else '-'} {amount} WHERE id = {account.pk}")
    plant("INSERT INTO wallet_ledgertransaction (key, kind, tenant_id, memo, created_at) "
          f"VALUES ('planted:{next(KEYS)}', 'other', {tenant.pk}, '', now())",
          "INSERT INTO wallet_entry (transaction_id, account_id, tenant_id, side, amount_cents, "
          f"created_at) VALUES {', '.join(rows)}", *moves, drop_non_negative=True)


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "lines", "reported"), [
    ("pending", [("pending", "D", 100), ("available", "C", 100)],
     "pending balance -100 is negative"),
    ("available", [("available", "D", 25000), ("fees", "C", 25000)],
     "available -5000 is more debt than its refunds and chargebacks (0) explain"),
    ("withdrawing", [("withdrawing", "D", 100), ("available", "C", 100)],
     "withdrawing balance -100 is negative"),
    ("clearing", [("clearing", "C", 21054), ("available", "D", 21054)],
     "clearing balance -1 is negative"),
    ("fees", [("fees", "D", 2000), ("available", "C", 2000)], "fees balance -947 is negative"),
    ("payouts", [("payouts", "D", 100), ("available", "C", 100)],
     "payouts balance -100 is negative"),
    ("refunds", [("refunds", "D", 100), ("available", "C", 100)],
     "refunds balance -100 is negative"),
])
def test_wallet_verify_checks_every_kinds_rule(funded, plant, kind, lines, reported):
    tenant = funded.tenant
    accounts = services.tenant_accounts(tenant) | {
        k: services.platform_account(k, tenant=tenant) for k in ("clearing", "fees", "payouts",
                                                          "refunds")}
    assert selectors.ledger_verify() == []
    plant_posting(plant, tenant, *[(accounts[name], side, n) for name, side, n in lines])
    problems = selectors.ledger_verify()
    assert any(reported in p and kind in p for p in problems), problems
    assert not [p for p in problems if "from its entries" in p or "books open" in p], problems


@pytest.mark.django_db
def test_wallet_verify_checks_payouts_against_paid_withdrawals(funded, plant):
    accounts = services.tenant_accounts(funded.tenant)
    plant_posting(plant, funded.tenant, (accounts["available"], "D", 700),
                  (services.platform_account("payouts"), "C", 700))
    assert any("payouts 700 != paid withdrawals 0" in p for p in selectors.ledger_verify())


@pytest.mark.django_db
def test_wallet_verify_checks_entries_are_filed_under_their_accounts_tenant(funded, other_shop,
                                                                            plant):
    accounts = services.tenant_accounts(funded.tenant)
    plant_posting(plant, funded.tenant, (services.platform_account("clearing"), "D", 100),
                  (accounts["available"], "C", 100), filed_under=other_shop.tenant.pk)
    assert (f"account #{accounts['available'].pk}: entries filed under tenant "
            f"#{other_shop.tenant.pk}, not the account's") in selectors.ledger_verify()
