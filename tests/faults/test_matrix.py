"""The sales faults of the matrix, each a test: a worker SIGKILLed mid-delivery, Redis and
PostgreSQL restarted, Discord answering 500s then 429s, Mercado Pago down during checkout and
during webhook apply, Mercado Pago's clock skewed.

They run once, in order, in the background from the session's start (tests/faults/conftest.py
`matrix_run`), on one private stack (`python -m tests.faults.matrix`: its own
PostgreSQL, Redis, gunicorn and Celery worker, so restarting them hurts nobody); each test
then reads its fault's line: recovered, orders lost 0, deliveries doubled 0, credits doubled
0, the ledger verified. Recovery times go to var/test-artifacts/faults.txt.

The Discord outage lasts FAULT_WINDOW_SECONDS (default 60: the issue's minute); Mercado Pago
is down for min(window, 10 s).
"""

from __future__ import annotations

import pytest

from tests.faults.conftest import assert_clean, record_fault
from tests.faults.matrix import SCENARIOS


@pytest.fixture(scope="module")
def results(matrix_run) -> dict[str, dict]:
    lines = matrix_run.wait()
    for line in lines:
        record_fault(**line)
    return {line["fault"]: line for line in lines}


@pytest.mark.parametrize("fault", list(SCENARIOS))
def test_fault(results, fault) -> None:
    line = results.get(fault)
    assert line is not None, f"{fault} did not run"
    assert "error" not in line, line["error"]
    assert line["recovery_s"] >= 0
    assert line["payments_approved"] == line["orders"], line
    assert_clean(line)
