"""Trust tests: a shop selling in a sandboxed Discord server (tests/fulfillment's world: real
discord.py HTTP client against the in-process sandbox, Celery eager), the Bot API client."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import transaction

from payments.registry import Outcome, dispatch
from sales import services as sales
from sales.models import Order
from tests.api.conftest import BotClient, bot, other_bot  # noqa: F401
from tests.fulfillment.conftest import World, eager, sandbox, world  # noqa: F401
from tests.sales import factories as f
from tests.sales.factories import mp  # noqa: F401
from trust import services


@pytest.fixture(autouse=True)
def _review_at_once(settings):
    """Review requests go out at delivery here; test_reviews checks the real delay."""
    settings.TRUST_REVIEW_DELAY_MINUTES = 0


@pytest.fixture
def buy(world) -> Callable[..., Order]:  # noqa: F811
    """Check out `variant` as the world's buyer and approve its payment (after-commit work,
    the deliveries and DMs included, runs eagerly)."""

    def run(variant, quantity: int = 1, customer=None) -> Order:
        customer = customer or world.customer
        sales.cart_add(customer=customer, variant_id=variant.pk, quantity=quantity)
        result = sales.checkout(customer=customer)
        with transaction.atomic():
            dispatch(result.payment, Outcome.APPROVED)
        order = result.order
        order.refresh_from_db()
        return order

    return run


@pytest.fixture
def key(world):  # noqa: F811
    """A product with keys in stock (R$ 19,90)."""
    return f.variant(f.product(world.tenant, name="Chave Premium"), price_cents=1990, keys=5)


def rules(tenant, actor=None, **values):
    return services.trust_settings_update(tenant=tenant, actor=actor, **values)
