"""The controller: converge what should run (desired) with what runs (observed).

`plan()` is pure: from a runtime row, what the engine says and the clock, it says what to do
next. `sync_tenant()` does it for one tenant under that tenant's row lock (one at a time per
tenant); `reconcile_all()` lists the engine once and syncs only the tenants whose plan is not a
no-op, so a pass with nothing to change costs one engine call and one query or two.
`snapshot_all()` then records what each bot looks like (state, restarts, CPU, memory, a redacted
log tail) and `record_engine_report()` the engine's health: the portal and the admin read those
rows, so only this worker ever talks to the engine.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import structlog
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

import audit
from config.metrics import RECONCILE_SECONDS
from runtime import policy
from runtime.backends import get_backend, namespace
from runtime.backends.base import (
    EXIT_MISCONFIGURED,
    Backend,
    BotSpec,
    EngineError,
    Instance,
    Stats,
)
from runtime.models import BotRuntime, BotSnapshot, Desired, EngineReport, Observed
from runtime.redaction import redact
from tenants.models import InstanceToken, Tenant

log = structlog.get_logger(__name__)
HOLD = (Observed.MISCONFIGURED, Observed.CRASHLOOPING)


@dataclass(frozen=True)
class Plan:
    op: str | None  # None | "start" | "remove" | "record_exit"
    observed: str
    reason: str = ""


# --- the spec -----------------------------------------------------------------------------------
def discord_urls() -> dict[str, str]:
    """Point the bot at the configured Discord (the sandbox in tests and the demo)."""
    base = settings.DISCORD_API_BASE_URL.rstrip("/")
    parts = urlsplit(base)
    if parts.hostname in ("discord.com", "discordapp.com"):
        return {}
    ws = "wss" if parts.scheme == "https" else "ws"
    return {"DISCORD_API_URL": f"{base}/v10",
            "DISCORD_GATEWAY_URL": f"{ws}://{parts.netloc}/gateway"}


def build_spec(runtime: BotRuntime) -> BotSpec:
    platform = getattr(settings, "RUNTIME_PLATFORM_URL", "") or settings.PUBLIC_URL
    env = {"DISCORD_TOKEN": runtime.discord_token, "INSTANCE_TOKEN": runtime.instance_token,
           "PLATFORM_URL": platform.rstrip("/"),
           "HEARTBEAT_SECONDS": str(policy.heartbeat_seconds()),
           "BOT_LOCALE": runtime.tenant.locale, **discord_urls()}
    return BotSpec(namespace=namespace(), tenant_id=runtime.tenant_id,
                   image=settings.RUNTIME_BOT_IMAGE, env=env, memory_mb=runtime.memory_mb,
                   cpu_millis=runtime.cpu_millis, pids_limit=runtime.pids_limit)


# --- deciding -----------------------------------------------------------------------------------
def _health(runtime: BotRuntime, instance: Instance, now: datetime) -> Plan:
    started = runtime.started_at or instance.started_at or now
    beat = runtime.last_heartbeat_at
    if beat is not None and beat >= started and now - beat <= policy.stale_after():
        return Plan(None, Observed.RUNNING)
    if now - started <= policy.start_grace() and (beat is None or beat < started):
        return Plan(None, Observed.STARTING)
    return Plan(None, Observed.UNHEALTHY,
                _("The bot is up but has not reported in for a while; restart it if it does "
                  "not answer in Discord."))


def plan(runtime: BotRuntime, instance: Instance | None, now: datetime,
         spec_hash: str) -> Plan:
    if runtime.tenant.status == Tenant.Status.SUSPENDED:
        return Plan("remove" if instance else None, Observed.SUSPENDED,
                    _("The plan is suspended; renew it and the bot starts again."))
    if runtime.desired_state == Desired.STOPPED:
        return Plan("remove" if instance else None, Observed.STOPPED)
    if runtime.restart_requested > runtime.restart_done:
        return Plan("start", Observed.STARTING)
    if not runtime.discord_token:
        return Plan("remove" if instance else None, Observed.MISCONFIGURED,
                    _("No Discord bot token yet: paste it on this page, then start the bot."))
    if instance is not None and instance.running:
        if runtime.observed_state in HOLD:
            # An engine that restarts by itself (swarm) brought back a bot we hold: stop it.
            return Plan("remove", runtime.observed_state, runtime.reason)
        if instance.spec_hash != spec_hash:
            return Plan("start", Observed.STARTING)  # recreate with the new spec
        return _health(runtime, instance, now)
    if instance is not None and instance.exit_key != runtime.last_exit_ref:
        return Plan("record_exit", Observed.EXITED)
    if runtime.observed_state in HOLD:
        # Held: nothing restarts it, including an engine that restarts by itself (swarm).
        return Plan("remove" if instance is not None and instance.restarting else None,
                    runtime.observed_state, runtime.reason)
    if runtime.next_start_at is not None and now < runtime.next_start_at:
        return Plan(None, Observed.EXITED, runtime.reason)
    if _starts_today(runtime, now) >= policy.daily_start_budget():
        return Plan(None, Observed.CRASHLOOPING, _crashloop_reason())
    return Plan("start", Observed.STARTING)


def _starts_today(runtime: BotRuntime, now: datetime) -> int:
    return runtime.starts_today if runtime.starts_day == timezone.localdate(now) else 0


def _crashloop_reason() -> str:
    return _("The bot keeps stopping right after it starts. Check its log below, fix the cause "
             "(often the token or the server settings), then press Start.")


# --- doing --------------------------------------------------------------------------------------
def _ensure_instance_token(runtime: BotRuntime) -> None:
    active = runtime.instance_token and InstanceToken.objects.for_tenant(runtime.tenant).filter(
        lookup=runtime.instance_token_lookup, revoked_at__isnull=True).exists()
    if not active:
        from tenants.services import instance_token_create

        token, raw = instance_token_create(tenant=runtime.tenant, actor=None, name="runtime")
        runtime.instance_token, runtime.instance_token_lookup = raw, token.lookup


def _start(backend: Backend, runtime: BotRuntime, instance: Instance | None,
           now: datetime) -> None:
    _ensure_instance_token(runtime)
    spec = build_spec(runtime)
    started = backend.start(spec)
    if instance is not None or runtime.consecutive_failures:
        runtime.restart_count += 1
    today = timezone.localdate(now)
    runtime.starts_today = _starts_today(runtime, now) + 1
    runtime.starts_day = today
    runtime.container_id, runtime.spec_hash = started.ref, spec.spec_hash
    runtime.started_at, runtime.next_start_at = now, None
    runtime.restart_done = runtime.restart_requested
    runtime.observed_state, runtime.reason = Observed.STARTING, ""
    log.info("runtime.started", tenant_id=runtime.tenant_id, ref=started.ref[:12])


def _record_exit(backend: Backend, runtime: BotRuntime, instance: Instance,
                 now: datetime) -> None:
    instance = backend.inspect(instance)
    code = instance.exit_code
    runtime.last_exit_ref, runtime.last_exit_code = instance.exit_key, code
    runtime.last_exit_at, runtime.oom_killed = instance.finished_at or now, instance.oom_killed
    log.info("runtime.exited", tenant_id=runtime.tenant_id, exit_code=code,
             oom=instance.oom_killed)
    if code == EXIT_MISCONFIGURED:
        runtime.observed_state = Observed.MISCONFIGURED
        runtime.reason = _("Discord refused the bot: the token is wrong or the Server Members "
                           "intent is off. Fix it in the Discord Developer Portal (Bot tab), "
                           "save the token here, then press Start.")
        _notify(runtime, "runtime.misconfigured")
        return
    ran = (instance.finished_at - instance.started_at
           if instance.finished_at and instance.started_at else None)
    quick = ran is None or ran < policy.stable_run()
    runtime.consecutive_failures = (runtime.consecutive_failures if quick else 0) + max(
        instance.failures, 1)
    if instance.oom_killed:
        runtime.reason = _("The bot ran out of memory and was stopped; it restarts by itself. "
                           "If this repeats, a bigger plan gives it more memory.")
    else:
        runtime.reason = _("The bot stopped unexpectedly (exit code %(code)s); it restarts "
                           "by itself.") % {"code": code}
    if (runtime.consecutive_failures >= policy.crashloop_after()
            or _starts_today(runtime, now) >= policy.daily_start_budget()):
        runtime.observed_state, runtime.reason = Observed.CRASHLOOPING, _crashloop_reason()
        runtime.next_start_at = None
        _notify(runtime, "runtime.crashlooping")
        return
    runtime.observed_state = Observed.EXITED
    runtime.next_start_at = now + policy.backoff(runtime.consecutive_failures)


def _notify(runtime: BotRuntime, action: str) -> None:
    audit.record(actor=None, tenant=runtime.tenant, action=action, target=runtime,
                 data={"exit_code": runtime.last_exit_code})
    owner = runtime.tenant.owner
    if owner.email:
        with override(runtime.tenant.locale):
            subject = _("Your bot for %(shop)s needs attention") % {"shop": runtime.tenant.name}
            body = f"{runtime.reason}\n\n{settings.PUBLIC_URL}/app/t/{runtime.tenant.slug}/bot/"
        transaction.on_commit(lambda: send_mail(subject, body, None, [owner.email],
                                                fail_silently=True))


def _apply(runtime: BotRuntime, result: Plan, now: datetime) -> None:
    if (runtime.observed_state, runtime.reason) != (result.observed, result.reason):
        runtime.observed_state, runtime.reason = result.observed, result.reason
        runtime.observed_at = now


def _converge(backend: Backend, runtime: BotRuntime, instance: Instance | None,
              now: datetime) -> None:
    for _step in range(4):  # record an exit, then maybe start: a few steps at most
        result = plan(runtime, instance, now, build_spec(runtime).spec_hash)
        if result.op is None:
            _apply(runtime, result, now)
            return
        if result.op == "record_exit":
            _record_exit(backend, runtime, instance, now)
            continue
        if result.op == "remove":
            backend.remove(instance)
            instance, runtime.container_id, runtime.started_at = None, "", None
            continue
        if result.op == "start":
            _start(backend, runtime, instance, now)
            return


def sync_tenant(tenant_id: int, *, backend: Backend | None = None) -> BotRuntime | None:
    """Converge one tenant now, under its row lock (tasks: start/stop/restart/sync)."""
    backend = backend or get_backend()
    with transaction.atomic():
        runtime = (BotRuntime.objects.unscoped().select_for_update(of=("self",))
                   .select_related("tenant", "tenant__owner").filter(tenant_id=tenant_id).first())
        if runtime is None:
            return None
        now = timezone.now()
        if runtime.desired_state == Desired.RUNNING and runtime.discord_token:
            _ensure_instance_token(runtime)  # issued on first start, reissued when revoked
        try:
            instance = backend.list().get(tenant_id)
            if instance is not None and instance.duplicates:
                remove_duplicates(backend, instance)
            _converge(backend, runtime, instance, now)
        except EngineError as exc:
            _mark_unknown(runtime, exc, now)
        runtime.save()
        return runtime


def remove_duplicates(backend: Backend, instance: Instance) -> int:
    """A shop never runs two bots (two gateway sessions answer every click twice): of the
    live bots the engine lists for one tenant only the newest stays."""
    for ref in instance.duplicates:
        log.warning("runtime.duplicate_removed", tenant_id=instance.tenant_id, ref=ref[:12])
        backend.remove(Instance(tenant_id=instance.tenant_id, ref=ref, spec_hash="",
                                running=True))
    removed, instance.duplicates = len(instance.duplicates), []
    return removed


def _mark_unknown(runtime: BotRuntime, exc: EngineError, now: datetime) -> None:
    log.warning("runtime.engine_error", tenant_id=runtime.tenant_id, error=str(exc),
                permanent=exc.permanent)
    if exc.permanent:
        runtime.consecutive_failures += 1
        runtime.next_start_at = now + policy.backoff(runtime.consecutive_failures)
        _apply(runtime, Plan(None, Observed.EXITED,
                             _("The platform could not start the bot; it tries again by "
                               "itself. If this lasts, contact support.")), now)
        return
    _apply(runtime, Plan(None, Observed.UNKNOWN, _unknown_reason()), now)


def _unknown_reason() -> str:
    return _("The platform cannot reach the bot's host right now; the state shown may be out of "
             "date. Nothing is lost and it recovers by itself.")


@dataclass
class PassResult:
    tenants: int = 0
    synced: int = 0
    removed_orphans: int = 0
    engine_calls: int = 0
    engine_ok: bool = True
    listed: int | None = None
    error: str = ""
    snapshots: int = 0
    duplicates_removed: int = 0


def reconcile_all(*, backend: Backend | None = None) -> PassResult:
    """One pass: list the engine once, then sync only the tenants with something to do."""
    backend = backend or get_backend()
    calls_before = backend.counter.calls
    result = PassResult()
    now = timezone.now()
    try:
        instances = backend.list()
    except EngineError as exc:
        log.warning("runtime.reconcile_engine_unreachable", error=str(exc))
        result.engine_ok, result.error = False, str(exc)
        (BotRuntime.objects.unscoped().exclude(observed_state=Observed.UNKNOWN)
         .filter(desired_state=Desired.RUNNING)
         .update(observed_state=Observed.UNKNOWN, reason=_unknown_reason(), observed_at=now))
        result.engine_calls = backend.counter.calls - calls_before
        return result
    result.listed = len(instances)
    runtimes = list(BotRuntime.objects.unscoped().select_related("tenant"))
    _refresh_revoked_tokens(runtimes)
    for instance in instances.values():
        if instance.duplicates:
            try:
                result.duplicates_removed += remove_duplicates(backend, instance)
            except EngineError as exc:
                log.warning("runtime.duplicate_remove_failed", tenant_id=instance.tenant_id,
                            error=str(exc))
    for runtime in runtimes:
        result.tenants += 1
        instance = instances.pop(runtime.tenant_id, None)
        todo = plan(runtime, instance, now, build_spec(runtime).spec_hash)
        if todo.op is None and (todo.observed, todo.reason) == (runtime.observed_state,
                                                                 runtime.reason):
            continue
        result.synced += 1
        sync_tenant(runtime.tenant_id, backend=backend)
    for orphan in instances.values():  # labelled by us, but no runtime row (tenant deleted)
        try:
            backend.remove(orphan)
            result.removed_orphans += 1
        except EngineError as exc:
            log.warning("runtime.orphan_remove_failed", ref=orphan.ref[:12], error=str(exc))
    result.engine_calls = backend.counter.calls - calls_before
    return result


def _refresh_revoked_tokens(runtimes: list[BotRuntime]) -> None:
    """A rotated instance token changes the spec (the bot is recreated with a fresh one)."""
    lookups = {r.instance_token_lookup for r in runtimes if r.instance_token_lookup}
    if not lookups:
        return
    active = set(InstanceToken.objects.unscoped().filter(
        lookup__in=lookups, revoked_at__isnull=True).values_list("lookup", flat=True))
    for runtime in runtimes:
        if runtime.instance_token_lookup and runtime.instance_token_lookup not in active:
            runtime.instance_token = ""  # forces a new spec hash; sync issues a new token


# --- what pages show: snapshots and engine reports -------------------------------------------
# Web processes have no engine socket (docker-compose.yml); they read what this worker records.
LOG_TAIL_LINES = 200
LOG_TAIL_CHARS = 64_000


@dataclass
class Reading:
    """One bot as the engine showed it; `logs` None keeps the lines recorded before."""

    ok: bool = True
    running: bool = False
    logs: str | None = None
    stats: Stats | None = None


def _read_engine(backend: Backend, instance: Instance | None, deadline: float) -> Reading | None:
    if time.monotonic() > deadline:
        return None  # over this pass's budget: next pass (oldest snapshots go first)
    if instance is None:
        return Reading(running=False, stats=None)
    try:
        logs = backend.logs(instance, tail=LOG_TAIL_LINES)
        stats = backend.stats(instance) if instance.running else None
    except EngineError as exc:
        log.warning("runtime.snapshot_engine_error", tenant_id=instance.tenant_id, error=str(exc))
        return Reading(ok=False)
    return Reading(running=instance.running, logs=logs, stats=stats)


def _write_snapshot(runtime: BotRuntime, reading: Reading, before: BotSnapshot | None,
                    now: datetime) -> None:
    fields: dict = {"state": runtime.observed_state, "restart_count": runtime.restart_count,
                    "engine_ok": reading.ok}
    if reading.ok:
        stats = reading.stats or Stats()
        fields |= {"running": reading.running, "cpu_percent": stats.cpu_percent,
                   "memory_bytes": stats.memory_bytes,
                   "memory_limit_bytes": stats.memory_limit_bytes, "taken_at": now}
        if reading.logs is not None:
            lines = "\n".join(reading.logs.splitlines()[-LOG_TAIL_LINES:])[-LOG_TAIL_CHARS:]
            fields["log_tail"] = redact(lines, secrets=(runtime.discord_token,
                                                        runtime.instance_token))
    if before is None:
        BotSnapshot.objects.create(tenant_id=runtime.tenant_id, **{"taken_at": now, **fields})
        return
    BotSnapshot.objects.unscoped().filter(pk=before.pk).update(**fields)


def _worth_a_snapshot(runtime: BotRuntime, in_engine: bool, before: BotSnapshot | None) -> bool:
    """A bot with nothing in the engine is written once, when it changes (most shops idle)."""
    if in_engine:
        return True
    if before is None:
        return False
    return (before.running or before.state != runtime.observed_state
            or before.restart_count != runtime.restart_count)


def snapshot_all(*, backend: Backend | None = None, budget_seconds: float | None = None) -> int:
    """Record what each bot looks like now (state, restarts, CPU, memory, redacted log tail).

    One engine listing, then logs and stats read in a few threads (engine calls only; the
    database is written from this thread) within a time budget, oldest snapshot first.
    Returns how many snapshots were taken.
    """
    backend = backend or get_backend()
    try:
        instances = backend.list()
    except EngineError as exc:
        log.warning("runtime.snapshot_engine_unreachable", error=str(exc))
        _snapshots_stale()
        return 0
    before = {snap.tenant_id: snap for snap in BotSnapshot.objects.unscoped().only(
        "id", "tenant_id", "taken_at", "state", "running", "restart_count")}
    oldest = datetime.min.replace(tzinfo=UTC)
    runtimes = sorted((r for r in BotRuntime.objects.unscoped().all()
                       if _worth_a_snapshot(r, r.tenant_id in instances,
                                            before.get(r.tenant_id))),
                      key=lambda r: (before[r.tenant_id].taken_at if r.tenant_id in before
                                     else oldest))
    budget = policy.snapshot_budget() if budget_seconds is None else budget_seconds
    deadline = time.monotonic() + budget
    with ThreadPoolExecutor(max_workers=policy.snapshot_threads()) as pool:
        readings = [pool.submit(_read_engine, backend, instances.get(r.tenant_id), deadline)
                    for r in runtimes]
    now, taken = timezone.now(), 0
    for runtime, future in zip(runtimes, readings, strict=True):
        reading = future.result()
        if reading is not None:
            _write_snapshot(runtime, reading, before.get(runtime.tenant_id), now)
            taken += 1
    return taken


def _snapshots_stale() -> None:
    """The engine did not answer: pages say their lines are from the last good pass."""
    BotSnapshot.objects.unscoped().filter(engine_ok=True).update(engine_ok=False)


def record_engine_report(backend: Backend, *, ok: bool, bots: int | None = None,
                         error: str = "", version: str | None = None) -> EngineReport:
    fields: dict = {"ok": ok, "bots": bots, "error": error[:300], "checked_at": timezone.now()}
    if version is not None:
        fields["version"] = version[:120]
    report, _created = EngineReport.objects.update_or_create(
        namespace=namespace(), backend=backend.name, defaults=fields)
    return report


def engine_check(*, backend: Backend | None = None) -> EngineReport:
    """Ask the engine now (the diagnostics page's request, run on the runtime queue)."""
    backend = backend or get_backend()
    try:
        backend.ping()
        version = backend.version()
        bots = len(backend.list())
    except EngineError as exc:
        return record_engine_report(backend, ok=False, error=str(exc))
    return record_engine_report(backend, ok=True, bots=bots, version=version)


def run_pass(*, backend: Backend | None = None) -> PassResult:
    """The beat's pass: reconcile, record the engine's health, then snapshot every bot."""
    backend = backend or get_backend()
    with RECONCILE_SECONDS.time():  # the reconcile alone; snapshots have their own budget
        result = reconcile_all(backend=backend)
    record_engine_report(backend, ok=result.engine_ok, bots=result.listed,
                         error="" if result.engine_ok else result.error)
    if result.engine_ok:
        result.snapshots = snapshot_all(backend=backend)
    else:
        _snapshots_stale()
    return result
