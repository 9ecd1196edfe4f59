"""Only the controller talks to the engine: it records snapshots and reports; pages read them.

The portal's bot page and the admin show the logs, CPU and memory the runtime worker recorded,
in a web process that cannot reach any engine; the log tail is redacted before it is stored.
"""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from runtime import backends, controller, services
from runtime.models import BotRuntime, BotSnapshot, Desired, EngineReport, Observed
from runtime.redaction import redact
from tests.runtime.fakes import FakeBackend

pytestmark = pytest.mark.django_db

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.snap.token-value-for-the-bot"
ROOT = Path(__file__).resolve().parents[2]


class LoggingEngine(FakeBackend):
    """The fake engine, with a log the test writes (a bot that prints its secrets)."""

    def __init__(self) -> None:
        super().__init__()
        self.log = "line\n" * 3

    def logs(self, instance, *, tail: int = 200) -> str:
        self._check("logs")
        return self.log


@pytest.fixture
def engine(monkeypatch) -> LoggingEngine:
    fake = LoggingEngine()
    monkeypatch.setattr(controller, "get_backend", lambda: fake)
    return fake


@pytest.fixture
def running(shop, engine) -> BotRuntime:
    services.runtime_set_discord_token(tenant=shop.tenant, token=TOKEN, actor=shop.owner)
    services.runtime_set_desired(tenant=shop.tenant, state=Desired.RUNNING, reason="test",
                                 actor=shop.owner)
    controller.sync_tenant(shop.tenant.pk)
    services.runtime_heartbeat(tenant=shop.tenant, latency_ms=40)
    return BotRuntime.objects.for_tenant(shop.tenant).get()


@pytest.fixture
def no_engine_in_web(settings, monkeypatch) -> None:
    """The web's view of the world: an engine address that leads nowhere, and a tripwire."""
    settings.RUNTIME_BACKEND = "docker"
    settings.DOCKER_HOST = "tcp://127.0.0.1:9"  # nothing listens on the discard port
    backends.reset_backend_cache()

    def refuse(*args, **kwargs):
        raise AssertionError("a web request asked for an engine backend")

    monkeypatch.setattr(backends, "make_backend", refuse)
    monkeypatch.setattr(backends, "get_backend", refuse)
    monkeypatch.setattr(controller, "get_backend", refuse)


# --- redaction ----------------------------------------------------------------------------------
def test_redaction_removes_the_bots_secrets_and_anything_token_like() -> None:
    own_discord = "odd-shaped-discord-token-0001"  # not Discord's usual shape: caught by value
    own_instance = "vtr_0123456789ab_" + "s" * 30
    log = "\n".join([
        "INFO logged in as Loja#0001 (latency 42 ms)",
        f"DEBUG using token {own_discord}",
        f"DEBUG platform token {own_instance}",
        "DEBUG Authorization: Bearer abc.def.ghi",
        "WARNING retry with token=plain-secret-here; password = hunter2hunter2",
        '{"client_secret": "shh-quiet", "guild": "123"}',
        "mp APP_USR-1234567890abcdef-123456-abcdef1234567890",
        "discord MTIzNDU2Nzg5MDEyMzQ1Njc4OTA.GhIjKl.abcdefghijklmnopqrstuvwxyz12345",
        "key 3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c",
        "----------------------------------------------------------",
        "File \"/usr/lib/python3/dist-packages/discord/client.py\", line 42",
    ])
    clean = redact(log, secrets=[own_discord, own_instance, "", "short"])
    for secret in (own_discord, own_instance, "abc.def.ghi", "plain-secret-here",
                   "hunter2hunter2", "shh-quiet", "APP_USR-1234567890abcdef",
                   "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA", "3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c"):
        assert secret not in clean, secret
    assert clean.count("[redacted]") >= 9
    # Ordinary lines survive untouched.
    for kept in ("logged in as Loja#0001 (latency 42 ms)", '"guild": "123"', "-" * 58,
                 "discord/client.py\", line 42"):
        assert kept in clean


def test_the_stored_log_tail_holds_no_secret_of_the_bot(running, engine, shop) -> None:
    runtime = running
    engine.log = (f"starting with DISCORD_TOKEN={runtime.discord_token}\n"
                  f"heartbeat as {runtime.instance_token}\n"
                  f"raw {runtime.discord_token}\nREADY\n")
    controller.run_pass()
    stored = BotSnapshot.objects.for_tenant(shop.tenant).get().log_tail
    assert "READY" in stored
    assert runtime.discord_token not in stored and runtime.instance_token not in stored
    assert "vtr_" not in stored and TOKEN[:20] not in stored


# --- what the controller records ----------------------------------------------------------------
def test_each_pass_records_state_restarts_figures_and_log(running, engine, shop) -> None:
    result = controller.run_pass()
    assert result.engine_calls == 1  # the reconcile itself still lists the engine once
    assert result.snapshots == 1
    snap = BotSnapshot.objects.for_tenant(shop.tenant).get()
    assert (snap.state, snap.restart_count, snap.running) == (Observed.RUNNING, 0, True)
    assert snap.memory_bytes == 40 << 20 and snap.cpu_percent == 1.5
    assert snap.log_tail == "line\nline\nline" and snap.engine_ok
    first = snap.taken_at

    engine.exit(shop.tenant.pk, 1)
    with time_machine.travel(timezone.now() + timedelta(seconds=30)):
        controller.run_pass()
    snap.refresh_from_db()
    assert snap.state == Observed.EXITED and snap.taken_at > first
    assert not snap.running  # an exited bot has no figures; its last lines are kept
    assert snap.memory_bytes is None and snap.log_tail == "line\nline\nline"
    report = EngineReport.objects.get()
    assert report.ok and report.backend == "fake" and report.bots == 1


def test_an_unreachable_engine_keeps_the_last_lines_and_says_so(running, engine, shop) -> None:
    controller.run_pass()
    taken = BotSnapshot.objects.for_tenant(shop.tenant).get().taken_at
    engine.unreachable = True
    with time_machine.travel(timezone.now() + timedelta(seconds=30)):
        controller.run_pass()
    snap = BotSnapshot.objects.for_tenant(shop.tenant).get()
    assert not snap.engine_ok and snap.taken_at == taken and snap.log_tail
    report = EngineReport.objects.get()
    assert not report.ok and "unreachable" in report.error


def test_a_pass_over_its_budget_leaves_the_rest_for_the_next(running, engine, shop) -> None:
    assert controller.snapshot_all(backend=engine, budget_seconds=-1) == 0
    assert not BotSnapshot.objects.for_tenant(shop.tenant).exists()
    assert controller.snapshot_all(backend=engine) == 1


def test_engine_check_records_the_version(engine) -> None:
    report = controller.engine_check()
    assert report.ok and report.version == "fake engine 1.0" and report.bots == 0
    engine.unreachable = True
    report = controller.engine_check()
    assert not report.ok and report.version == "fake engine 1.0" and report.error


# --- what the web shows, without an engine ------------------------------------------------------
def test_web_without_engine_shows_the_controllers_logs_and_stats(
        running, engine, shop, other_shop, outsider, client_for, no_engine_in_web,
        settings) -> None:
    engine.log = "bot READY as Loja#0001\nsynced 3 commands\n"
    controller.run_pass(backend=engine)  # the runtime worker, elsewhere, with the socket
    for user in (shop.owner, shop.manager, shop.viewer):
        client = client_for(user)
        client.cookies["vitrine_language"] = "en"
        page = client.get(reverse("portal:bot", args=[shop.tenant.slug])).content.decode()
        assert "bot READY as Loja#0001" in page and "synced 3 commands" in page
        assert "40.0 MB" in page and "1.5%" in page
        assert "recorded by the platform" in page and 'data-testid="bot-snapshot-at"' in page
        partial = client.get(reverse("portal:bot_logs", args=[shop.tenant.slug]))
        assert "synced 3 commands" in partial.content.decode()
    for stranger in (outsider, other_shop.owner):
        client = client_for(stranger)
        assert client.get(reverse("portal:bot", args=[shop.tenant.slug])).status_code == 404
        assert client.get(reverse("portal:bot_logs",
                                  args=[shop.tenant.slug])).status_code == 404


def test_web_says_when_the_last_lines_are_old(running, engine, shop, client_for,
                                              no_engine_in_web) -> None:
    controller.run_pass(backend=engine)
    engine.unreachable = True
    controller.run_pass(backend=engine)
    client = client_for(shop.owner)
    client.cookies["vitrine_language"] = "en"
    page = client.get(reverse("portal:bot", args=[shop.tenant.slug])).content.decode()
    assert "did not answer on the last check" in page and "line" in page


def test_no_snapshot_yet_is_said_plainly(shop, client_for, no_engine_in_web) -> None:
    client = client_for(shop.owner)
    client.cookies["vitrine_language"] = "en"
    page = client.get(reverse("portal:bot", args=[shop.tenant.slug])).content.decode()
    assert "No log lines yet." in page and 'data-testid="bot-snapshot-at"' not in page


def test_admin_shows_the_snapshot_without_an_engine(running, engine, shop, operator,
                                                    client_for, no_engine_in_web) -> None:
    engine.log = f"READY\nleaked {running.discord_token}\n"
    controller.run_pass(backend=engine)
    url = reverse("admin:runtime_botruntime_change", args=[running.pk])
    page = client_for(operator).get(url).content.decode()
    assert "READY" in page and "[redacted]" in page and running.discord_token not in page
    assert "40.0 MB" in page


# --- the Docker SDK stays under runtime/backends ------------------------------------------------
def _imports_docker(path: Path) -> bool:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level
                 else [])
        if any(name == "docker" or name.startswith("docker.") for name in names):
            return True
    return False


def test_only_runtime_backends_import_the_docker_sdk() -> None:
    skip = {".venv", "tests", "node_modules", "var", ".git"}
    offenders = [str(path.relative_to(ROOT)) for path in ROOT.rglob("*.py")
                 if not skip & set(path.relative_to(ROOT).parts)
                 and path.relative_to(ROOT).parts[:2] != ("runtime", "backends")
                 and _imports_docker(path)]
    assert offenders == []
    assert _imports_docker(ROOT / "runtime" / "backends" / "docker.py")  # the check works


def test_idle_bots_cost_no_writes(running, engine, shop, other_shop) -> None:
    from runtime.services import runtime_for

    runtime_for(tenant=other_shop.tenant)  # a shop that never started its bot
    assert controller.snapshot_all(backend=engine) == 1  # only the bot the engine has
    assert not BotSnapshot.objects.for_tenant(other_shop.tenant).exists()
    services.runtime_set_desired(tenant=shop.tenant, state=Desired.STOPPED, reason="t")
    controller.sync_tenant(shop.tenant.pk)
    assert controller.snapshot_all(backend=engine) == 1  # stopped: recorded once
    snap = BotSnapshot.objects.for_tenant(shop.tenant).get()
    assert snap.state == Observed.STOPPED and not snap.running and snap.log_tail
    assert controller.snapshot_all(backend=engine) == 0  # and then left alone
