"""The fault matrix's shared parts: a shop selling keys in a sandboxed Discord server, the
audit every fault must pass (orders lost 0, deliveries doubled 0, credits doubled 0), and the
table of recovery times in var/test-artifacts/faults.txt.

In-process faults (the runtime ones) sell through the real services with Celery eager, as
tests/fulfillment does: checkout, the payment approved as the webhook task applies it, the
deliveries performed by discord.py against the sandbox.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from config.celery import app as celery_app
from tests.conftest import ARTIFACTS
from tests.sales.factories import mp  # noqa: F401

FAULTS_TXT = ARTIFACTS / "faults.txt"
MEMBERS_INTENT = 1 << 1


def record_fault(fault: str, **figures: Any) -> None:
    """One line per fault: its recovery time and its audit (JSON, appended)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    line = {"fault": fault, **{k: round(v, 2) if isinstance(v, float) else v
                               for k, v in figures.items()}}
    with FAULTS_TXT.open("a") as out:
        out.write(json.dumps(line) + "\n")
    print(json.dumps(line))


def assert_clean(audit: dict[str, int]) -> None:
    assert audit["orders_lost"] == 0, audit
    assert audit["buyers_without_dm"] == 0, audit
    assert audit["deliveries_doubled"] == 0, audit
    assert audit["wrong_key"] == 0, audit
    assert audit["credits_doubled"] == 0, audit
    assert audit["sale_postings"] == audit["orders"], audit
    assert audit["ledger_problems"] == 0, audit


class MatrixRun:
    """`python -m tests.faults.matrix` in the background: its stack is private, so it runs
    while the runtime faults do (the whole matrix then takes the longer of the two)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="vitrine-matrix-"))
        self.out = self.dir / "matrix.jsonl"
        self.log = (self.dir / "matrix.log").open("w")
        root = Path(__file__).resolve().parents[2]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.matrix", "--out", str(self.out)], cwd=root,
            env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True)

    def wait(self, timeout: float = 1500) -> list[dict]:
        code = self.proc.wait(timeout)
        self.log.close()
        lines = [json.loads(line) for line in self.out.read_text().splitlines()] \
            if self.out.exists() else []
        tail = (self.dir / "matrix.log").read_text()[-4000:]
        assert code == 0 and lines, f"the matrix run failed ({code}):\n{tail}"
        return lines

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            self.proc.wait(60)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def matrix_run() -> Iterator[MatrixRun]:
    run = MatrixRun()
    yield run
    run.stop()


@pytest.fixture(scope="session")
def sandbox():
    from sandbox.discord.testing import DiscordSandbox

    with DiscordSandbox() as sb:
        yield sb


@pytest.fixture
def eager() -> Iterator[None]:
    before = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = before


@dataclass
class World:
    sb: Any
    tenant: Any
    token: str
    app_id: str
    guild_id: str
    variant: Any


@pytest.fixture
def world(shop, sandbox, settings, eager, mp) -> World:  # noqa: F811
    from catalog.models import Product, Variant
    from catalog.services import stock_add
    from runtime.models import BotRuntime
    from tenants.models import PlanVersion, Subscription

    settings.DISCORD_API_BASE_URL = f"{sandbox.url}/api"
    app = sandbox.create_application(f"Faults {uuid.uuid4().hex[:6]}", intents=MEMBERS_INTENT)
    guild = sandbox.create_guild(f"Guild {app['id']}", [app["id"]])
    tenant = shop.tenant
    pro = PlanVersion.objects.filter(plan__slug="pro").order_by("-version").first()
    if pro is not None:
        Subscription.objects.for_tenant(tenant).update(plan_version=pro,
                                                       status=Subscription.Status.ACTIVE)
    tenant.discord_guild_id = guild["id"]
    tenant.save(update_fields=["discord_guild_id"])
    BotRuntime.objects.update_or_create(tenant=tenant, defaults={"discord_token": app["token"]})
    product = Product.objects.create(tenant=tenant, name="Chave Faults")
    variant = Variant.objects.create(tenant=tenant, product=product, label="Global",
                                     price_cents=1990)
    stock_add(variant=variant, actor=None, lines=[f"VTRFLT{i:05d}" for i in range(200)])
    return World(sb=sandbox, tenant=tenant, token=app["token"], app_id=app["id"],
                 guild_id=guild["id"], variant=variant)


@dataclass
class Sold:
    order_id: int
    payment_id: int
    user_id: str


@dataclass
class Sales:
    world: World
    count: int = 0
    sold: list[Sold] = field(default_factory=list)

    def sell(self, n: int) -> list[Sold]:
        from payments.registry import Outcome, dispatch
        from sales import services

        out = []
        for _ in range(n):
            self.count += 1
            user = self.world.sb.create_user(f"fbuyer{self.count:04d}")
            self.world.sb.add_member(self.world.guild_id, user["id"])
            customer = services.customer_upsert(tenant=self.world.tenant,
                                                discord_user_id=user["id"],
                                                display_name=f"Buyer {self.count}")
            services.cart_add(customer=customer, variant_id=self.world.variant.pk, quantity=1)
            result = services.checkout(customer=customer)
            with transaction.atomic():  # as the webhook task applies it
                dispatch(result.payment, Outcome.APPROVED)
            out.append(Sold(result.order.pk, result.payment.pk, user["id"]))
        self.sold += out
        return out

    def audit(self, sold: list[Sold]) -> dict[str, int]:
        import re

        from catalog.models import StockItem
        from sales.models import Order
        from wallet.models import LedgerTransaction
        from wallet.selectors import ledger_verify

        pattern = re.compile(r"VTRFLT\d{5}")
        keys: dict[str, list[str]] = {}
        for item in StockItem.objects.for_tenant(self.world.tenant).filter(
                order_ref__in=[s.order_id for s in sold]):
            keys.setdefault(str(item.order_ref), []).append(item.content)
        statuses = dict(Order.objects.for_tenant(self.world.tenant).filter(
            pk__in=[s.order_id for s in sold]).values_list("pk", "status"))
        without = doubled = wrong = 0
        for s in sold:
            got = [k for dm in self.world.sb.dms(s.user_id)
                   for k in pattern.findall(dm["content"])]
            without += not got
            doubled += len(got) > 1
            wrong += bool(got) and got[0] not in keys.get(str(s.order_id), [])
        postings = LedgerTransaction.objects.unscoped().filter(
            key__in=[f"sale:{s.payment_id}" for s in sold]).count()
        return {"orders": len(sold),
                "orders_lost": sum(statuses.get(s.order_id) != "delivered" for s in sold),
                "buyers_without_dm": without, "deliveries_doubled": doubled,
                "wrong_key": wrong, "sale_postings": postings,
                "credits_doubled": max(0, postings - len(sold)),
                "ledger_problems": len(ledger_verify())}

    assert_clean = staticmethod(assert_clean)


@pytest.fixture
def sales(world) -> Sales:
    return Sales(world)
