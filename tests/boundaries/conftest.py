"""Fuzzing every boundary: the shared world, the row snapshot and the Hypothesis profiles.

The properties, for every boundary: no answer is a 5xx, and a refused request (4xx) changes no
row: every table's row count and a hash of its rows are equal before and after. Each generated
request runs inside a savepoint that is rolled back, so examples cannot see each other's writes.

Profiles: `boundaries` (default, bounded so `make test` stays short) and `boundaries-fuzz`
(`make fuzz`, VITRINE_FUZZ=1). Counts are per test, i.e. per boundary (and per token).
"""

from __future__ import annotations

import functools
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hsettings

from catalog.models import Product, Variant
from payments.models import Payment
from sales import services as sales
from sales.models import Customer, Order
from tenants.services import instance_token_create
from tests.conftest import ARTIFACTS
from tests.sales import factories as f
from tests.sales.factories import mp  # noqa: F401

hsettings.register_profile(
    "boundaries", max_examples=int(os.environ.get("FUZZ_EXAMPLES", "12")), deadline=None,
    suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate],
    derandomize=True, database=None, print_blob=True)
hsettings.register_profile(
    "boundaries-fuzz", max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")),
    deadline=None, suppress_health_check=list(HealthCheck), print_blob=True, database=None)
FUZZ = os.environ.get("VITRINE_FUZZ") == "1"
PROFILE = hsettings.get_profile("boundaries-fuzz" if FUZZ else "boundaries")
# What a run did, per boundary: printed at the end of the session (the report's figures).
CASES: Counter[str] = Counter()

# Rows these tables gain or change on every authenticated request, whatever its outcome:
# counted, not hashed (an instance token's last_used_at; a signed-in session).
TOUCHED = {"tenants_instancetoken", "django_session"}


@functools.cache
def _tables() -> tuple[str, ...]:
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
    return tuple(sorted(name for name in names if not name.startswith("pg_")))


def snapshot() -> dict[str, tuple[int, int]]:
    """{table: (rows, hash of rows)} for every table, in one query."""
    parts = [f"SELECT '{name}', count(*), "
             + ("0" if name in TOUCHED else "coalesce(sum(hashtext(t::text)), 0)")
             + f' FROM "{name}" t' for name in _tables()]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return {name: (rows, digest) for name, rows, digest in cursor.fetchall()}


def changed(before: dict, after: dict) -> dict[str, tuple]:
    return {name: (before.get(name), after.get(name)) for name in set(before) | set(after)
            if before.get(name) != after.get(name)}


class Rollback(Exception):
    pass


def check_boundary(name: str, send: Callable[[], Any], *,
                   refused: Callable[[Any], bool] | None = None,
                   allowed: Callable[[dict], bool] | None = None) -> Any:
    """Send one request in a savepoint: no 5xx; a refusal leaves every table as it was.

    A refusal is a 4xx, or what `refused(response)` says (a form shown again with errors);
    `allowed(diff)` may accept a documented change on refusal (a webhook's audit of it).
    """
    CASES[name] += 1
    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            before = snapshot()
            response = send()
            result["response"] = response
            status = response.status_code
            assert status < 500, f"{name}: {status} {_text(response)}"
            if 400 <= status < 500 or (refused is not None and refused(response)):
                diff = changed(before, snapshot())
                assert not diff or (allowed is not None and allowed(diff)), (
                    f"{name}: refused with {status} but changed {diff}: {_text(response)}")
            raise Rollback
    except Rollback:
        pass
    return result["response"]


def _text(response: Any) -> str:
    body = getattr(response, "content", None)
    if body is None:
        body = getattr(response, "text", "")
    return (body.decode(errors="replace") if isinstance(body, bytes) else str(body))[:300]


@dataclass
class World:
    """Shop A with things to point at; shop B with its own token (the outsider)."""

    shop: Any
    other_shop: Any
    token: str
    other_token: str
    product: Product
    variant: Variant
    customer: Customer
    order: Order
    paid_order: Order
    payment: Payment


@pytest.fixture
def world(shop, other_shop, mp) -> World:  # noqa: F811
    product = f.product(shop.tenant, channel_id="123456789012345678")
    variant = f.variant(product, price_cents=1990, keys=5)
    buyer = f.customer(shop.tenant, discord_user_id="111")
    sales.cart_add(customer=buyer, variant_id=variant.pk, quantity=1)
    paid = sales.checkout(customer=buyer)
    mp.approve(paid.payment.provider_payment_id)
    from payments.services import payment_reconcile_one

    payment_reconcile_one(payment=paid.payment)
    sales.cart_add(customer=buyer, variant_id=variant.pk, quantity=1)
    pending = sales.checkout(customer=buyer)
    sales.cart_add(customer=buyer, variant_id=variant.pk, quantity=1)
    f.coupon(shop.tenant, code="PROMO10")
    _t, raw = instance_token_create(tenant=shop.tenant, actor=shop.owner)
    _t, other_raw = instance_token_create(tenant=other_shop.tenant, actor=other_shop.owner)
    paid.payment.refresh_from_db()
    return World(shop=shop, other_shop=other_shop, token=raw, other_token=other_raw,
                 product=product, variant=variant, customer=buyer, order=pending.order,
                 paid_order=paid.order, payment=paid.payment)


def pytest_terminal_summary(terminalreporter) -> None:
    """The number of generated cases per boundary (with xdist, per worker: see the JSON)."""
    if not CASES:
        return
    terminalreporter.section("fuzz cases per boundary")
    for name, count in sorted(CASES.items()):
        terminalreporter.write_line(f"{name}: {count}")
    terminalreporter.write_line(f"total: {sum(CASES.values())}")


@pytest.fixture(scope="session", autouse=True)
def _record_cases() -> Iterator[None]:
    yield
    if CASES:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        (ARTIFACTS / f"fuzz-cases-{worker}.json").write_text(json.dumps(CASES, indent=1))
