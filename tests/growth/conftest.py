"""Growth runs on the same sandboxed shop as fulfillment (real discord.py HTTP client against
the in-process DiscordSandbox, Celery eager)."""

from __future__ import annotations

import pytest

from growth.models import GrowthSettings
from tests.fulfillment.conftest import eager, sandbox, world  # noqa: F401
from tests.sales.factories import mp  # noqa: F401


@pytest.fixture
def configure(world):  # noqa: F811
    def apply(**fields) -> GrowthSettings:
        row, _ = GrowthSettings.objects.for_tenant(world.tenant).update_or_create(
            tenant=world.tenant, defaults=fields)
        return row

    return apply
