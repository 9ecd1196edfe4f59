"""The ledger's balances and postings, tamper-proof at the database (issue 18).

0002 made entries and transactions append-only and balanced. Raw SQL could still write running
balances directly, post a balanced pair that drives `pending` or `withdrawing` negative, and
append a balanced pair to a transaction posted long ago. Now:

- Every kind but `available` stays non-negative: a CHECK constraint (both vendors; see
  wallet.models.MAY_GO_NEGATIVE for why `available` may hold a debt).
- Running balances are moved by PostgreSQL, not by the application: a statement-level trigger
  on `wallet_entry` adds each INSERT's entries to their accounts' balances (one UPDATE per
  account per statement, so a bulk insert stays cheap). Any other UPDATE of `wallet_account`
  is refused: the guard lets a row change only from inside that trigger (trigger depth > 1 and
  the transaction-local flag `wallet.posting` it sets around its UPDATE; setting the flag by
  hand is not enough) and only in `balance_cents`. A new account opens at zero.
- A posted transaction takes no new entries: each `wallet_ledgertransaction` row is stamped, by
  a trigger, with the id of the database transaction that inserted it (`posting_xact`, xid8: a
  64-bit id never reused, and a column the application never sees). Entries are accepted only
  into a transaction stamped with the current database transaction's id; rows stamped before
  this migration (NULL) are closed. Since 0002 refuses UPDATE, the stamp cannot be rewritten.
- The same trigger refuses entries whose denormalised tenant is not their account's (a tenant's
  statement is read by `entry.tenant`), a transaction touching the accounts of a tenant other
  than its own (no transfers between shops; platform accounts are shared), transactions mixing
  currencies, and a debit that leaves `available` below zero unless it belongs to a refund or
  chargeback (the one source of debt; a withdrawal beyond the balance is refused).

SQLite (the embedded `make run` default) gets the CHECK constraint only: wallet.services moves
the balances in Python there and its checks still apply.
"""

from __future__ import annotations

from django.db import migrations, models

CREATE = """
ALTER TABLE wallet_ledgertransaction ADD COLUMN posting_xact xid8;

CREATE OR REPLACE FUNCTION wallet_transaction_stamp() RETURNS trigger AS $$
BEGIN
    NEW.posting_xact := pg_current_xact_id();  -- the top-level transaction, even in a savepoint
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER wallet_transaction_stamp
    BEFORE INSERT ON wallet_ledgertransaction
    FOR EACH ROW EXECUTE FUNCTION wallet_transaction_stamp();

CREATE OR REPLACE FUNCTION wallet_entry_post() RETURNS trigger AS $$
DECLARE
    bad bigint;
    expected integer;
    moved integer;
BEGIN
    -- A concurrent transaction's uncommitted row is invisible here, so it counts as unknown.
    SELECT e.transaction_id INTO bad
      FROM new_entries e LEFT JOIN wallet_ledgertransaction t ON t.id = e.transaction_id
     WHERE t.id IS NULL OR t.posting_xact IS DISTINCT FROM pg_current_xact_id()
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'wallet: ledger transaction % is already posted (or unknown): it takes '
            'no new entries; post a new transaction', bad USING ERRCODE = 'restrict_violation';
    END IF;

    SELECT e.id INTO bad
      FROM new_entries e JOIN wallet_account a ON a.id = e.account_id
     WHERE e.tenant_id IS DISTINCT FROM a.tenant_id
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'wallet: entry % names a tenant other than its account''s', bad
            USING ERRCODE = 'check_violation';
    END IF;

    SELECT e.id INTO bad
      FROM new_entries e JOIN wallet_ledgertransaction t ON t.id = e.transaction_id
     WHERE e.tenant_id IS NOT NULL AND e.tenant_id IS DISTINCT FROM t.tenant_id
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'wallet: entry % is for a tenant other than its transaction''s (no '
            'transfers between shops)', bad USING ERRCODE = 'check_violation';
    END IF;

    SELECT e.transaction_id INTO bad
      FROM (SELECT DISTINCT transaction_id FROM new_entries) e
      JOIN wallet_entry x ON x.transaction_id = e.transaction_id
      JOIN wallet_account a ON a.id = x.account_id
     GROUP BY e.transaction_id HAVING COUNT(DISTINCT a.currency) > 1
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'wallet: ledger transaction % mixes currencies', bad
            USING ERRCODE = 'check_violation';
    END IF;

    SELECT COUNT(DISTINCT account_id) INTO expected FROM new_entries;
    PERFORM set_config('wallet.posting', 'on', true);
    UPDATE wallet_account a
       SET balance_cents = a.balance_cents
           + CASE WHEN a.kind = 'clearing' THEN d.debits ELSE -d.debits END
      FROM (SELECT account_id,
                   SUM(CASE WHEN side = 'D' THEN amount_cents ELSE -amount_cents END) AS debits
              FROM new_entries GROUP BY account_id) d
     WHERE a.id = d.account_id;
    GET DIAGNOSTICS moved = ROW_COUNT;
    PERFORM set_config('wallet.posting', 'off', true);
    IF moved <> expected THEN
        RAISE EXCEPTION 'wallet: entries name an unknown account'
            USING ERRCODE = 'foreign_key_violation';
    END IF;

    SELECT a.id INTO bad
      FROM (SELECT DISTINCT account_id, transaction_id FROM new_entries WHERE side = 'D') e
      JOIN wallet_account a ON a.id = e.account_id
      JOIN wallet_ledgertransaction t ON t.id = e.transaction_id
     WHERE a.kind = 'available' AND a.balance_cents < 0
       AND t.kind NOT IN ('refund', 'chargeback')
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'wallet: account % (available) may go below zero only through a refund '
            'or chargeback', bad USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER wallet_entry_post
    AFTER INSERT ON wallet_entry REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION wallet_entry_post();

CREATE OR REPLACE FUNCTION wallet_account_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.balance_cents <> 0 THEN
            RAISE EXCEPTION 'wallet: an account opens at zero; post entries to fund it'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF pg_trigger_depth() < 2 OR current_setting('wallet.posting', true) IS DISTINCT FROM 'on'
       OR (NEW.id, NEW.tenant_id, NEW.kind, NEW.currency, NEW.created_at)
          IS DISTINCT FROM (OLD.id, OLD.tenant_id, OLD.kind, OLD.currency, OLD.created_at) THEN
        RAISE EXCEPTION 'wallet: account balances are moved only by posting entries (direct '
            'UPDATE of wallet_account refused)' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER wallet_account_guard
    BEFORE INSERT OR UPDATE ON wallet_account
    FOR EACH ROW EXECUTE FUNCTION wallet_account_guard();
"""

DROP = """
DROP TRIGGER IF EXISTS wallet_account_guard ON wallet_account;
DROP FUNCTION IF EXISTS wallet_account_guard();
DROP TRIGGER IF EXISTS wallet_entry_post ON wallet_entry;
DROP FUNCTION IF EXISTS wallet_entry_post();
DROP TRIGGER IF EXISTS wallet_transaction_stamp ON wallet_ledgertransaction;
DROP FUNCTION IF EXISTS wallet_transaction_stamp();
ALTER TABLE wallet_ledgertransaction DROP COLUMN IF EXISTS posting_xact;
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor) -> None:
        # SQLite: no triggers (see the module docstring); the Python checks still apply.
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("wallet", "0002_ledger_triggers")]

    operations = [
        migrations.AddConstraint(
            model_name="account",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["available"]), ("balance_cents__gte", 0),
                                   _connector="OR"),
                name="wallet_account_balance_non_negative"),
        ),
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP)),
    ]
