"""The controller on a single-node Docker Swarm: a service per tenant, replicas 1 or 0."""

from __future__ import annotations

import pytest

from runtime import controller, services
from runtime.backends import make_backend, reset_backend_cache
from runtime.backends.base import LABEL_NAMESPACE
from runtime.models import BotRuntime, Desired, Observed
from tests.runtime.conftest import NAMESPACE, _cleanup, require_engine, wait_for

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def swarm(settings, live_server, point_settings_at_sandbox):
    require_engine("swarm")
    settings.RUNTIME_BACKEND = "swarm"
    settings.RUNTIME_PLATFORM_URL = live_server.url
    settings.RUNTIME_HEARTBEAT_SECONDS = 1
    reset_backend_cache()
    yield make_backend("swarm", ns=NAMESPACE)
    _cleanup("swarm")


def _runtime(shop) -> BotRuntime:
    return BotRuntime.objects.for_tenant(shop.tenant).get()


def _start(shop, token: str) -> None:
    services.runtime_set_discord_token(tenant=shop.tenant, token=token, actor=shop.owner)
    services.runtime_set_desired(tenant=shop.tenant, state=Desired.RUNNING, reason="test")
    controller.sync_tenant(shop.tenant.pk)


def _replicas(swarm) -> list[int]:
    found = swarm.api.services(filters={"label": f"{LABEL_NAMESPACE}={NAMESPACE}"})
    return [s["Spec"]["Mode"]["Replicated"]["Replicas"] for s in found]


def test_service_runs_heartbeats_and_scales_to_zero(swarm, shop, bot_app) -> None:
    _start(shop, bot_app["token"])
    assert _replicas(swarm) == [1]
    wait_for(lambda: _runtime(shop).observed_state == Observed.RUNNING, timeout=60,
             what="the first heartbeat")
    assert controller.reconcile_all().synced == 0
    services.runtime_set_desired(tenant=shop.tenant, state=Desired.STOPPED, reason="test")
    controller.sync_tenant(shop.tenant.pk)
    assert _replicas(swarm) == [0] and _runtime(shop).observed_state == Observed.STOPPED
    assert controller.reconcile_all().synced == 0


def test_bad_token_is_misconfigured_and_swarm_retries_are_stopped(swarm, shop) -> None:
    _start(shop, "MTIzNDU2Nzg5MDEyMzQ1Njc4.wrong.token-value")
    wait_for(lambda: (controller.reconcile_all() and
                      _runtime(shop).observed_state == Observed.MISCONFIGURED),
             timeout=60, what="misconfigured")
    assert _runtime(shop).last_exit_code == 78
    wait_for(lambda: controller.reconcile_all() and _replicas(swarm) == [0], timeout=30,
             what="the service scaled to 0")
    assert _runtime(shop).observed_state == Observed.MISCONFIGURED
