"""Schemathesis against the public shop API (/api/v1/) from the project's own OpenAPI schema.

Every operation, with shop A's API key (all scopes) and with shop B's key against shop A's ids
(real order codes and product ids are mixed into the path parameters). Properties: no 5xx; a
refused request changes no row (the key's own `last_used_at` aside); shop B never gets a 2xx on
shop A's objects, and its lists never show them (0 cross-shop reads).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import settings
from hypothesis import strategies as st

from config.wsgi import application
from developer import api, keys
from tests.boundaries.conftest import FUZZ, PROFILE, World, check_boundary

PREFIX = "/api/v1/"
schema = schemathesis.openapi.from_wsgi("/api/schema/", application).include(
    path_regex=f"^{PREFIX}")
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"] if FUZZ
                            else ["examples", "fuzzing"])
REAL: dict[str, list] = {}
TOKENS: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    """As in test_bot_api_fuzz: the WSGI handler must not close the test's connection. The
    rate limit is lifted so every generated case reaches the view."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    monkeypatch.setattr(api.PerKeyThrottle, "THROTTLE_RATES", {"public_api": "100000/min"})
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _keys_and_ids(world: World):
    _k, mine = keys.key_create(tenant=world.shop.tenant, actor=world.shop.owner, name="a",
                               scopes=keys.SCOPE_NAMES)
    _k, theirs = keys.key_create(tenant=world.other_shop.tenant, actor=world.other_shop.owner,
                                 name="b", scopes=keys.SCOPE_NAMES)
    TOKENS.update(mine=mine, theirs=theirs)
    REAL.update({"product_id": [world.product.pk, 2**63],
                 "code": [world.order.code, world.paid_order.code, world.order.code.lower(),
                          world.order.code + "\x00", "ß" * 30]})
    yield
    REAL.clear()
    TOKENS.clear()


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    return st.fixed_dictionaries({
        key: st.sampled_from([value, *REAL[key]]) if REAL.get(key) else st.just(value)
        for key, value in (path_parameters or {}).items()})


def _only_key_use(diff: dict) -> bool:
    return set(diff) <= {"developer_apikey"}


def _run(case, world: World, *, token: str, name: str) -> None:
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
    response = check_boundary(name, lambda: case.call(), allowed=_only_key_use)
    if token == TOKENS["theirs"] and response.status_code < 300:
        segments = {segment.upper() for segment in case.formatted_path.split("/")}
        assert not {world.order.code, world.paid_order.code} & segments, case.formatted_path
        assert str(world.product.pk) not in segments or "PRODUCTS" not in segments
        text = response.text
        assert world.order.code not in text and world.paid_order.code not in text
        assert world.customer.discord_user_id not in text


@schema.parametrize()
@settings(PROFILE)
def test_public_api_operation(case, world):
    _run(case, world, token=TOKENS["mine"], name="public_api[own key]")
    _run(case, world, token=TOKENS["theirs"], name="public_api[other shop's key]")
