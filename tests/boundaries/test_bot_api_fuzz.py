"""Schemathesis against the Bot API's own OpenAPI schema (drf-spectacular, /api/schema/).

Every operation, positive and negative generation, once with shop A's instance token (whose
data the path parameters sometimes point at: its customer, variant, product and orders) and
once with shop B's token against the same ids. Properties: no 5xx, a refused request changes
no row, and shop B never gets a 2xx on shop A's order or customer.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import settings
from hypothesis import strategies as st

from config.wsgi import application
from tests.boundaries.conftest import FUZZ, PROFILE, World, check_boundary

BOT_PREFIX = "/api/bot/v1/"


# Loaded once, in process (the WSGI app serves its own schema); one pytest test per operation.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application).include(
    path_regex=f"^{BOT_PREFIX}")
# `make test`: generated cases only (max_examples from the profile). `make fuzz` adds
# schemathesis' coverage phase: every boundary value and type the schema implies.
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"] if FUZZ
                            else ["examples", "fuzzing"])
REAL: dict[str, list] = {}


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Schemathesis calls the real WSGI handler, whose request_finished closes the database
    connection, and with it the test's transaction; Django's test client unhooks the same."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _real_ids(world: World):
    REAL.update({"discord_user_id": [world.customer.discord_user_id, "1\x00", "\u0661\u0661"],
                 "variant_id": [world.variant.pk, 2**63],
                 "product_id": [world.product.pk, 2**64],
                 "code": [world.order.code, world.paid_order.code, world.order.code.lower(),
                          world.order.code + "\x00", "ß" * 30]})
    yield
    REAL.clear()


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    # Often a parameter names shop A's real object, so the handlers behind the lookups run
    # (and shop B's token is tried against objects that exist), or a known troublemaker.
    return st.fixed_dictionaries({
        key: st.sampled_from([value, *REAL[key]]) if REAL.get(key) else st.just(value)
        for key, value in (path_parameters or {}).items()})


def _run(case, world: World, *, token: str, name: str) -> None:
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
    response = check_boundary(name, lambda: case.call())
    if token == world.other_token and response.status_code < 300:
        # Shop A's buyer and orders do not exist for shop B.
        segments = {segment.upper() for segment in case.formatted_path.split("/")}
        assert world.customer.discord_user_id not in segments, case.formatted_path
        assert not {world.order.code, world.paid_order.code} & segments, case.formatted_path

@schema.parametrize()
@settings(PROFILE)
def test_bot_api_operation(case, world):
    """Each generated request is sent with shop A's token, then with shop B's."""
    _run(case, world, token=world.token, name="bot_api[own token]")
    _run(case, world, token=world.other_token, name="bot_api[other shop's token]")
