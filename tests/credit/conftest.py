from __future__ import annotations

import pytest

from tests.api.conftest import bot, other_bot  # noqa: F401
from tests.sales.factories import mp  # noqa: F401
from wallet import credit as ledger
from wallet.selectors import ledger_verify


def give_credit(customer, cents: int, payment_id: int) -> None:
    """A buyer's top-up as approved (the ledger path the top-up handler takes)."""
    ledger.topup_record(tenant=customer.tenant, holder=ledger.customer_holder(customer.pk),
                        payment_id=payment_id, amount_cents=cents)


def balance(customer) -> int:
    return ledger.credit_balance(tenant=customer.tenant,
                                 holder=ledger.customer_holder(customer.pk))


@pytest.fixture
def verify():
    def run() -> None:
        assert ledger_verify() == []

    return run
