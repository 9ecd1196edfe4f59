"""The ledger's invariants, enforced by PostgreSQL itself (as django-hordak does).

- A deferred constraint trigger checks, at commit, that every transaction that received entries
  balances (debits = credits) and has at least two entries; a transaction row with no entries is
  refused at commit too. An unbalanced posting rolls the whole database transaction back.
- Entries and transactions are append-only: UPDATE and DELETE raise. (TRUNCATE, used only by the
  test suite to empty tables, is not a row operation and stays possible.)
- Positive amounts and unique posting keys are ordinary constraints (migration 0001).

SQLite (the embedded `make run` default) gets no triggers: this migration is a no-op there and
the Python checks in wallet.services still apply. Production and the tests run on PostgreSQL.
"""

from __future__ import annotations

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION wallet_check_transaction_balanced() RETURNS trigger AS $$
DECLARE
    txn_id bigint;
    total bigint;
    lines integer;
BEGIN
    IF TG_TABLE_NAME = 'wallet_entry' THEN
        txn_id := NEW.transaction_id;
    ELSE
        txn_id := NEW.id;
    END IF;
    SELECT COALESCE(SUM(CASE WHEN side = 'D' THEN amount_cents ELSE -amount_cents END), 0),
           COUNT(*)
      INTO total, lines
      FROM wallet_entry WHERE transaction_id = txn_id;
    IF total <> 0 OR lines < 2 THEN
        RAISE EXCEPTION 'wallet: ledger transaction % does not balance (% entries, off by %)',
            txn_id, lines, total USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER wallet_entry_balanced
    AFTER INSERT ON wallet_entry DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION wallet_check_transaction_balanced();

CREATE CONSTRAINT TRIGGER wallet_transaction_balanced
    AFTER INSERT ON wallet_ledgertransaction DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION wallet_check_transaction_balanced();

CREATE OR REPLACE FUNCTION wallet_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'wallet: % is append-only (% refused); post a correcting transaction',
        TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER wallet_entry_append_only
    BEFORE UPDATE OR DELETE ON wallet_entry
    FOR EACH ROW EXECUTE FUNCTION wallet_refuse_change();

CREATE TRIGGER wallet_transaction_append_only
    BEFORE UPDATE OR DELETE ON wallet_ledgertransaction
    FOR EACH ROW EXECUTE FUNCTION wallet_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS wallet_transaction_append_only ON wallet_ledgertransaction;
DROP TRIGGER IF EXISTS wallet_entry_append_only ON wallet_entry;
DROP FUNCTION IF EXISTS wallet_refuse_change();
DROP TRIGGER IF EXISTS wallet_transaction_balanced ON wallet_ledgertransaction;
DROP TRIGGER IF EXISTS wallet_entry_balanced ON wallet_entry;
DROP FUNCTION IF EXISTS wallet_check_transaction_balanced();
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor) -> None:
        # SQLite: no triggers (see the module docstring); the Python checks still apply.
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("wallet", "0001_initial")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
