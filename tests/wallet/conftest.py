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
