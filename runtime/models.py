"""BotRuntime: what should run for a tenant (desired) and what the engine says runs (observed).

The portal, billing and admin write the desired half through `runtime.services`; only the
controller (`runtime.controller`) writes the observed half (DESIGN.md rule 5).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tenants.fields import EncryptedTextField
from tenants.scoping import TenantOwnedModel


# "Running" has its own context: for a bot pt-BR says "No ar", for a delivery "Em andamento".
class Desired(models.TextChoices):
    RUNNING = "running", pgettext_lazy("bot state", "Running")
    STOPPED = "stopped", _("Stopped")


class Observed(models.TextChoices):
    STOPPED = "stopped", _("Stopped")
    STARTING = "starting", _("Starting")
    RUNNING = "running", pgettext_lazy("bot state", "Running")
    UNHEALTHY = "unhealthy", _("Unhealthy")
    EXITED = "exited", _("Exited")
    CRASHLOOPING = "crashlooping", _("Crash loop")
    MISCONFIGURED = "misconfigured", _("Misconfigured")
    SUSPENDED = "suspended", _("Suspended")
    UNKNOWN = "unknown", _("Unknown")


# Failing first in lists (admin, ops): lower is worse.
SEVERITY = {
    Observed.CRASHLOOPING: 0, Observed.MISCONFIGURED: 1, Observed.UNKNOWN: 2,
    Observed.UNHEALTHY: 3, Observed.EXITED: 4, Observed.SUSPENDED: 5, Observed.STARTING: 6,
    Observed.RUNNING: 7, Observed.STOPPED: 8,
}


class BotRuntime(TenantOwnedModel):
    desired_state = models.CharField(_("desired state"), max_length=16, choices=Desired.choices,
                                     default=Desired.STOPPED)
    desired_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("set by"))
    desired_reason = models.CharField(_("reason"), max_length=200, blank=True)
    desired_at = models.DateTimeField(_("set at"), null=True, blank=True)
    # Bumped by every request: the last request wins, whatever order the tasks run in.
    generation = models.PositiveIntegerField(default=0, verbose_name=_("generation"))
    restart_requested = models.PositiveIntegerField(default=0, verbose_name=_("restart requested"))
    restart_done = models.PositiveIntegerField(default=0, verbose_name=_("restart done"))

    observed_state = models.CharField(_("state"), max_length=16, choices=Observed.choices,
                                      default=Observed.STOPPED, db_index=True)
    observed_at = models.DateTimeField(_("observed at"), null=True, blank=True)
    reason = models.CharField(_("reason in plain words"), max_length=300, blank=True)
    container_id = models.CharField(_("container / service id"), max_length=80, blank=True)
    spec_hash = models.CharField(_("spec hash"), max_length=64, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    restart_count = models.PositiveIntegerField(_("restarts"), default=0)
    consecutive_failures = models.PositiveIntegerField(default=0,
                                                       verbose_name=_("consecutive failures"))
    starts_today = models.PositiveIntegerField(default=0, verbose_name=_("starts today"))
    starts_day = models.DateField(null=True, blank=True, verbose_name=_("starts day"))
    next_start_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_exit_code = models.IntegerField(_("last exit code"), null=True, blank=True)
    last_exit_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last exit at"))
    last_exit_ref = models.CharField(max_length=120, blank=True,
                                     verbose_name=_("last exit reference"))
    oom_killed = models.BooleanField(_("out of memory"), default=False)
    last_heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    gateway_latency_ms = models.PositiveIntegerField(_("gateway latency (ms)"), null=True,
                                                     blank=True)
    bot_version = models.CharField(max_length=40, blank=True, verbose_name=_("bot version"))

    # Secrets the container gets, and nothing else (encrypted at rest; never logged).
    discord_token = EncryptedTextField(_("Discord bot token"), blank=True, default="")
    instance_token = EncryptedTextField(blank=True, default="")
    instance_token_lookup = models.CharField(max_length=16, blank=True,
                                             verbose_name=_("instance key prefix"))

    # Limits from the tenant's plan; an operator may override them per tenant.
    memory_mb = models.PositiveIntegerField(_("memory limit (MB)"), default=128)
    cpu_millis = models.PositiveIntegerField(_("CPU limit (millicores)"), default=500)
    pids_limit = models.PositiveIntegerField(_("process limit"), default=128)

    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("bot runtime")
        verbose_name_plural = _("bot runtimes")
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="botruntime_one_per_tenant"),
        ]

    def __str__(self) -> str:
        return f"{self.tenant} ({self.observed_state})"

    @property
    def is_failing(self) -> bool:
        return SEVERITY[Observed(self.observed_state)] <= SEVERITY[Observed.EXITED]


class BotSnapshot(TenantOwnedModel):
    """What the controller last saw of a tenant's bot, for pages that must not ask the engine.

    Written only by the runtime worker (the one process with the engine's socket) on each
    reconcile pass; the portal and the admin read it. The log tail is redacted before it is
    stored (`runtime.redaction`), so no secret reaches the database or a page through it.
    """

    state = models.CharField(_("state"), max_length=16, choices=Observed.choices,
                             default=Observed.STOPPED)
    restart_count = models.PositiveIntegerField(_("restarts"), default=0)
    running = models.BooleanField(_("running in the engine"), default=False)
    cpu_percent = models.FloatField(_("CPU (%)"), null=True, blank=True)
    memory_bytes = models.BigIntegerField(_("memory (bytes)"), null=True, blank=True)
    memory_limit_bytes = models.BigIntegerField(_("memory limit (bytes)"), null=True, blank=True)
    log_tail = models.TextField(_("last log lines"), blank=True)
    # False when the engine could not be read on the last pass (the lines above are older).
    engine_ok = models.BooleanField(_("engine answered"), default=True)
    taken_at = models.DateTimeField(_("taken at"), db_index=True)

    class Meta:
        verbose_name = _("bot snapshot")
        verbose_name_plural = _("bot snapshots")
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="botsnapshot_one_per_tenant"),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id} @ {self.taken_at:%Y-%m-%d %H:%M:%S}"


class EngineReport(models.Model):
    """The controller's last word on its engine (one row per namespace and backend).

    The reconcile pass updates `ok`/`bots`/`error`; an explicit check (the diagnostics page asks
    for one on the runtime queue) also fills `version`. Web processes read it, never the engine.
    """

    namespace = models.CharField(max_length=64)
    backend = models.CharField(max_length=16)
    ok = models.BooleanField(default=False)
    version = models.CharField(max_length=120, blank=True)
    bots = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    checked_at = models.DateTimeField()

    class Meta:
        verbose_name = _("engine report")
        verbose_name_plural = _("engine reports")
        constraints = [
            models.UniqueConstraint(fields=["namespace", "backend"], name="enginereport_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.backend}/{self.namespace}: {'ok' if self.ok else 'failing'}"
