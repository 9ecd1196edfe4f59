"""The controller's rules against an in-memory engine: convergence, crash policy, unknown."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from audit.models import AuditEvent
from runtime import controller, services
from runtime.models import BotRuntime, Desired, Observed
from tenants.models import Tenant
from tests.runtime.fakes import FakeBackend

pytestmark = pytest.mark.django_db

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.fake.token-value"


@pytest.fixture
def engine(monkeypatch) -> FakeBackend:
    fake = FakeBackend()
    monkeypatch.setattr(controller, "get_backend", lambda: fake)
    return fake


@pytest.fixture
def running(shop, engine, django_capture_on_commit_callbacks) -> BotRuntime:
    """The shop's bot, desired running and started once."""
    services.runtime_set_discord_token(tenant=shop.tenant, token=TOKEN, actor=shop.owner)
    services.runtime_set_desired(tenant=shop.tenant, state=Desired.RUNNING, reason="test",
                                 actor=shop.owner)
    return controller.sync_tenant(shop.tenant.pk)


def test_start_creates_one_bot_with_only_its_secrets(running, engine, shop) -> None:
    assert running.observed_state == Observed.STARTING
    assert engine.started == [shop.tenant.pk]
    env = engine.specs[shop.tenant.pk].env
    assert env["DISCORD_TOKEN"] == TOKEN and env["INSTANCE_TOKEN"].startswith("vtr_")
    assert not {"DATABASE_URL", "SECRET_KEY", "FERNET_KEYS"} & set(env)


def test_token_is_encrypted_at_rest(running) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT discord_token FROM runtime_botruntime WHERE id = %s",
                       [running.pk])
        stored = cursor.fetchone()[0]
    assert TOKEN not in stored and stored


def test_heartbeat_makes_it_running_and_staleness_unhealthy(running, engine, shop) -> None:
    services.runtime_heartbeat(tenant=shop.tenant, latency_ms=42, version="1")
    runtime = BotRuntime.objects.for_tenant(shop.tenant).get()
    assert runtime.observed_state == Observed.RUNNING and runtime.gateway_latency_ms == 42
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        controller.reconcile_all()
    runtime.refresh_from_db()
    assert runtime.observed_state == Observed.UNHEALTHY and runtime.reason


def test_nothing_to_change_is_one_engine_call_and_no_sync(running, engine, shop) -> None:
    services.runtime_heartbeat(tenant=shop.tenant, latency_ms=42)
    result = controller.reconcile_all()
    assert (result.engine_calls, result.synced) == (1, 0)


def test_kill_is_recorded_then_restarted_after_backoff(running, engine, shop) -> None:
    engine.exit(shop.tenant.pk, 137)
    controller.reconcile_all()
    runtime = BotRuntime.objects.for_tenant(shop.tenant).get()
    assert runtime.observed_state == Observed.EXITED and runtime.last_exit_code == 137
    assert "137" in runtime.reason and runtime.next_start_at > timezone.now()
    controller.reconcile_all()  # still inside the backoff: nothing started
    assert len(engine.started) == 1
    with time_machine.travel(runtime.next_start_at + timedelta(seconds=1)):
        controller.reconcile_all()
    runtime.refresh_from_db()
    assert len(engine.started) == 2 and runtime.restart_count == 1
    assert runtime.observed_state == Observed.STARTING


def test_quick_crashes_back_off_exponentially_then_crashloop(
        running, engine, shop, settings, django_capture_on_commit_callbacks) -> None:
    settings.RUNTIME_CRASHLOOP_AFTER = 4
    gaps = []
    now = timezone.now()
    with (time_machine.travel(now, tick=False) as clock,
          django_capture_on_commit_callbacks(execute=True)):
        for _ in range(4):
            engine.exit(shop.tenant.pk, 1)
            controller.reconcile_all()
            runtime = BotRuntime.objects.for_tenant(shop.tenant).get()
            if runtime.observed_state == Observed.CRASHLOOPING:
                break
            gaps.append((runtime.next_start_at - timezone.now()).total_seconds())
            clock.move_to(runtime.next_start_at + timedelta(seconds=1))
            controller.reconcile_all()
    assert gaps == [10, 20, 40]
    assert runtime.observed_state == Observed.CRASHLOOPING and runtime.next_start_at is None
    started = len(engine.started)
    controller.reconcile_all()
    assert len(engine.started) == started  # no more restarts until the owner acts
    assert AuditEvent.objects.filter(action="runtime.crashlooping").exists()
    assert mail.outbox and shop.owner.email in mail.outbox[0].to
    services.runtime_set_desired(tenant=shop.tenant, state=Desired.RUNNING, reason="retry",
                                 actor=shop.owner)
    controller.reconcile_all()
    assert len(engine.started) == started + 1


def test_daily_budget_stops_restarts(running, engine, shop, settings) -> None:
    settings.RUNTIME_DAILY_START_BUDGET = 2
    settings.RUNTIME_STABLE_RUN_SECONDS = 1  # each run counts as stable: only the budget bites
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(3):
            engine.exit(shop.tenant.pk, 1, ran_seconds=5)
            controller.reconcile_all()
            runtime = BotRuntime.objects.for_tenant(shop.tenant).get()
            if runtime.next_start_at:
                clock.move_to(runtime.next_start_at + timedelta(seconds=1))
                controller.reconcile_all()
    runtime.refresh_from_db()
    assert runtime.observed_state == Observed.CRASHLOOPING
    assert len(engine.started) == 2


def test_exit_78_is_misconfigured_and_not_restarted(running, engine, shop) -> None:
    engine.exit(shop.tenant.pk, 78)
    controller.reconcile_all()
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        controller.reconcile_all()
    runtime = BotRuntime.objects.for_tenant(shop.tenant).get()
    assert runtime.observed_state == Observed.MISCONFIGURED
    assert "token" in runtime.reason and len(engine.started) == 1


def test_oom_is_said_in_plain_words(running, engine, shop) -> None:
    engine.exit(shop.tenant.pk, 137, oom=True)
    controller.reconcile_all()
    runtime = BotRuntime.objects.for_tenant(shop.tenant).get()
    assert runtime.oom_killed and "memory" in runtime.reason


def test_limit_change_recreates_once(running, engine, shop,
                                     django_capture_on_commit_callbacks) -> None:
    services.runtime_set_limits(tenant=shop.tenant, memory_mb=256, cpu_millis=500,
                                pids_limit=128, actor=shop.owner)
    controller.reconcile_all()
    controller.reconcile_all()
    assert len(engine.started) == 2
    assert engine.specs[shop.tenant.pk].memory_mb == 256


def test_rotated_instance_token_recreates_with_a_fresh_one(running, engine, shop) -> None:
    from tenants.services import instance_token_rotate

    old = engine.specs[shop.tenant.pk].env["INSTANCE_TOKEN"]
    instance_token_rotate(tenant=shop.tenant, actor=shop.owner)
    controller.reconcile_all()
    controller.reconcile_all()
    assert len(engine.started) == 2
    assert engine.specs[shop.tenant.pk].env["INSTANCE_TOKEN"] != old


def test_stop_removes_the_bot(running, engine, shop) -> None:
    services.runtime_set_desired(tenant=shop.tenant, state=Desired.STOPPED, reason="test")
    controller.sync_tenant(shop.tenant.pk)
    assert engine.instances == {}
    assert BotRuntime.objects.for_tenant(shop.tenant).get().observed_state == Observed.STOPPED


def test_suspended_plan_stops_and_resuming_restores(running, engine, shop) -> None:
    Tenant.objects.filter(pk=shop.tenant.pk).update(status=Tenant.Status.SUSPENDED)
    controller.reconcile_all()
    runtime = BotRuntime.objects.for_tenant(shop.tenant).get()
    assert runtime.observed_state == Observed.SUSPENDED and engine.instances == {}
    with pytest.raises(services.RuntimeServiceError):
        services.runtime_set_desired(tenant=Tenant.objects.get(pk=shop.tenant.pk),
                                     state=Desired.RUNNING, reason="x")
    Tenant.objects.filter(pk=shop.tenant.pk).update(status=Tenant.Status.ACTIVE)
    controller.reconcile_all()
    assert shop.tenant.pk in engine.instances


def test_controller_restart_readopts_without_duplicates(running, engine, shop) -> None:
    # A new controller process knows nothing in memory: it lists the engine and adopts.
    services.runtime_heartbeat(tenant=shop.tenant, latency_ms=10)
    fresh = FakeBackend()
    fresh.instances = engine.instances
    result = controller.reconcile_all(backend=fresh)
    assert fresh.started == [] and result.synced == 0


def test_orphans_are_removed_but_only_labelled_ones_are_seen(running, engine, shop) -> None:
    from runtime.backends.base import Instance

    engine.instances[999999] = Instance(tenant_id=999999, ref="orphan", spec_hash="x",
                                        running=True)
    result = controller.reconcile_all()
    assert result.removed_orphans == 1 and 999999 not in engine.instances


def test_engine_unreachable_is_unknown_then_recovers(running, engine, shop) -> None:
    services.runtime_heartbeat(tenant=shop.tenant, latency_ms=10)
    engine.unreachable = True
    controller.reconcile_all()
    runtime = BotRuntime.objects.for_tenant(shop.tenant).get()
    assert runtime.observed_state == Observed.UNKNOWN and runtime.reason
    controller.sync_tenant(shop.tenant.pk)  # a task during the outage: still unknown
    runtime.refresh_from_db()
    assert runtime.observed_state == Observed.UNKNOWN
    engine.unreachable = False
    controller.reconcile_all()
    runtime.refresh_from_db()
    assert runtime.observed_state == Observed.RUNNING and len(engine.started) == 1


def test_a_second_live_bot_of_a_shop_is_removed_newest_kept(running, engine, shop) -> None:
    """The engine lists two live bots for one tenant (a raced start, a node back from the
    dead): the pass keeps the one list() returned and removes the other."""
    kept = engine.instances[shop.tenant.pk]
    kept.duplicates = ["older-bot"]
    result = controller.reconcile_all()
    assert result.duplicates_removed == 1 and engine.removed_duplicates == ["older-bot"]
    assert engine.instances[shop.tenant.pk].ref == kept.ref
    assert controller.reconcile_all().duplicates_removed == 0
    kept.duplicates = ["another"]
    controller.sync_tenant(shop.tenant.pk)
    assert engine.removed_duplicates == ["older-bot", "another"]
    assert engine.instances[shop.tenant.pk].ref == kept.ref
