"""The controller with the process backend (`make run`): start → heartbeat → kill → restart."""

from __future__ import annotations

import os
import signal
from datetime import timedelta

import pytest
import time_machine

from runtime import controller, services
from runtime.models import BotRuntime, Desired, Observed
from tests.runtime.conftest import wait_for

pytestmark = [pytest.mark.django_db(transaction=True)]


def _runtime(shop) -> BotRuntime:
    return BotRuntime.objects.for_tenant(shop.tenant).get()


def test_process_bot_heartbeats_and_is_restarted_after_kill(settings, live_server, shop,
                                                            bot_app,
                                                            point_settings_at_sandbox) -> None:
    settings.RUNTIME_PLATFORM_URL = live_server.url
    settings.RUNTIME_HEARTBEAT_SECONDS = 1
    services.runtime_set_discord_token(tenant=shop.tenant, token=bot_app["token"],
                                       actor=shop.owner)
    services.runtime_set_desired(tenant=shop.tenant, state=Desired.RUNNING, reason="t")
    controller.sync_tenant(shop.tenant.pk)
    wait_for(lambda: _runtime(shop).observed_state == Observed.RUNNING, timeout=60,
             what="the first heartbeat")
    first = _runtime(shop).container_id
    os.killpg(int(first.removeprefix("pid-")), signal.SIGKILL)
    wait_for(lambda: controller.reconcile_all()
             and _runtime(shop).observed_state == Observed.EXITED, timeout=30,
             what="the exit to be recorded")
    runtime = _runtime(shop)
    with time_machine.travel(runtime.next_start_at + timedelta(seconds=1)):
        controller.reconcile_all()
    assert _runtime(shop).container_id != first
    services.runtime_set_desired(tenant=shop.tenant, state=Desired.STOPPED, reason="t")
    controller.sync_tenant(shop.tenant.pk)
    assert _runtime(shop).observed_state == Observed.STOPPED
