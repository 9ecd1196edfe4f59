from __future__ import annotations

import pytest
from django.db import connection

from wallet import services


@pytest.fixture
def check_constraints():
    """Fire PostgreSQL's deferred ledger triggers now (a test's transaction never commits)."""

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    return run


@pytest.fixture
def plant():
    """Write raw SQL past the ledger's defences, as a superuser restoring a dump would: with
    triggers off (`session_replication_role = replica`) and, if asked, without the CHECK that
    keeps balances non-negative (constraints are not triggers). Both last only until the test's
    transaction rolls back. This is how wallet_verify's tests corrupt the books."""

    def run(*statements: str, drop_non_negative: bool = False) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            if drop_non_negative:  # fire the queued deferred checks first: ALTER needs none
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                cursor.execute("ALTER TABLE wallet_account "
                               "DROP CONSTRAINT wallet_account_balance_non_negative")
            for statement in statements:
                cursor.execute(statement)
            cursor.execute("SET LOCAL session_replication_role = origin")

    return run


@pytest.fixture
def funded(shop):
    """Loja Alfa with R$ 200,00 available (a released PIX sale of R$ 210,53 at 5%)."""
    services.sale_record(tenant=shop.tenant, payment_id=9001, gross_cents=21053, method="pix")
    services.releases_run(now=_far_future())
    return shop


def _far_future():
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() + timedelta(days=30)


@pytest.fixture(autouse=True)
def _english(settings) -> None:
    # These tests assert on English messages; pt-BR stays the product's default elsewhere.
    settings.LANGUAGE_CODE = "en"
