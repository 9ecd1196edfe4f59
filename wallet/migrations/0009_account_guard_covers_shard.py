"""The account guard of 0003 covers `shard` too (added by 0005 after the guard was written).

0003's guard lets an UPDATE of `wallet_account` change `balance_cents` only, from inside the
posting trigger, by comparing every other column with its old value. `shard` came later and
was not in that list, so raw SQL could move a sharded platform row (clearing, fees) to another
shard, or the posting trigger's own UPDATE could be used to do it. Now it is compared too.
PostgreSQL only, like 0003: SQLite has no such triggers (wallet.services checks in Python).
"""

from __future__ import annotations

from django.db import migrations

GUARD = """
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
       OR ({columns}) IS DISTINCT FROM ({old_columns}) THEN
        RAISE EXCEPTION 'wallet: account balances are moved only by posting entries (direct '
            'UPDATE of wallet_account refused)' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def _guard(*columns: str) -> str:
    return GUARD.format(columns=", ".join(f"NEW.{c}" for c in columns),
                        old_columns=", ".join(f"OLD.{c}" for c in columns))


WITH_SHARD = _guard("id", "tenant_id", "kind", "currency", "shard", "created_at")
AS_IN_0003 = _guard("id", "tenant_id", "kind", "currency", "created_at")


def _on_postgresql(sql: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("wallet", "0008_merge_platform_shards")]

    operations = [migrations.RunPython(_on_postgresql(WITH_SHARD), _on_postgresql(AS_IN_0003))]
