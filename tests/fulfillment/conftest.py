"""A shop selling in a sandboxed Discord server, with a buyer who is a member.

Deliveries run through the real discord.py HTTP client against the in-process DiscordSandbox;
Celery runs tasks eagerly in the test thread (`eager`), so `.delay()` after commit delivers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction

from config.celery import app as celery_app
from payments.registry import Outcome, dispatch
from runtime.models import BotRuntime
from sales import services
from sales.models import Order
from sandbox.discord.testing import DiscordSandbox
from tests.sales import factories as f
from tests.sales.factories import mp  # noqa: F401


@dataclass
class World:
    sb: DiscordSandbox
    tenant: Any
    token: str
    guild_id: str
    buyer_id: str
    customer: Any


@pytest.fixture(scope="session")
def sandbox() -> Iterator[DiscordSandbox]:
    with DiscordSandbox() as sb:
        yield sb


@pytest.fixture
def eager() -> Iterator[None]:
    before = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = before


@pytest.fixture
def world(shop, sandbox, settings, eager, mp) -> World:  # noqa: F811
    sandbox.reset()
    settings.DISCORD_API_BASE_URL = f"{sandbox.url}/api"
    bot = sandbox.create_application("Loja Alfa Bot")
    guild = sandbox.create_guild("Loja Alfa", [bot["id"]])
    buyer = sandbox.create_user("alice")
    sandbox.add_member(guild["id"], buyer["id"])
    tenant = shop.tenant
    tenant.discord_guild_id = guild["id"]
    tenant.save(update_fields=["discord_guild_id"])
    BotRuntime.objects.update_or_create(tenant=tenant, defaults={"discord_token": bot["token"]})
    return World(sb=sandbox, tenant=tenant, token=bot["token"], guild_id=guild["id"],
                 buyer_id=buyer["id"], customer=f.customer(tenant, buyer["id"], "Alice"))


def buy(world: World, variant, quantity: int = 1, capture=None) -> Order:
    """Check out and approve the payment; with `capture`, after-commit work runs (eagerly)."""
    services.cart_add(customer=world.customer, variant_id=variant.pk, quantity=quantity)
    result = services.checkout(customer=world.customer)
    if capture is None:
        with transaction.atomic():  # as the webhook task applies it
            dispatch(result.payment, Outcome.APPROVED)
    else:
        with capture(execute=True), transaction.atomic():
            dispatch(result.payment, Outcome.APPROVED)
    order = result.order
    order.refresh_from_db()
    return order
