"""The shop's developer access: API keys for the public shop API (hashed, with scopes) and
outgoing webhooks (endpoints with signing secrets, and the delivery log)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.fields import EncryptedTextField
from tenants.scoping import TenantOwnedModel

SCOPES = [
    ("products:read", _("Products and prices")),
    ("stock:read", _("Stock counts")),
    ("orders:read", _("Orders")),
    ("customers:read", _("Customers")),
    ("deliveries:read", _("Deliveries")),
    ("orders:write", _("Create orders sold elsewhere")),
]
EVENTS = [
    ("order.paid", _("Order paid")),
    ("order.delivered", _("Order delivered")),
    ("order.refunded", _("Order refunded")),
    ("order.charged_back", _("Order charged back")),
    ("review.created", _("Review created")),
    ("membership.renewed", _("Membership renewed")),
    ("dispute.opened", _("Dispute opened")),
]


def event_label(event: str) -> str:
    return str(dict(EVENTS).get(event, event))


class ApiKey(TenantOwnedModel):
    """A token for the public API: `vk_<prefix>_<secret>`, shown once; only its SHA-256 is
    kept. Separate from the bot's instance token."""

    name = models.CharField(_("name"), max_length=60)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, verbose_name=_("key hash"))
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} (vk_{self.prefix}_…)"

    @property
    def scope_labels(self) -> list[str]:
        labels = dict(SCOPES)
        return [str(labels.get(s, s)) for s in self.scopes or []]


class WebhookEndpoint(TenantOwnedModel):
    url = models.URLField(_("URL"), max_length=300)
    events = models.JSONField(_("events"), default=list)
    secret = EncryptedTextField(_("signing secret"))
    # While a secret is being rotated, deliveries are signed with both (one v1 each).
    previous_secret = EncryptedTextField(_("previous secret"), blank=True, default="")
    previous_valid_until = models.DateTimeField(_("previous secret valid until"), null=True,
                                                blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        # "2 webhook endpoints" reads as a count of webhooks: name them by what they are.
        verbose_name = _("outgoing webhook")
        verbose_name_plural = _("outgoing webhooks")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url

    @property
    def event_labels(self) -> list[str]:
        return [event_label(e) for e in self.events or []]


class WebhookDelivery(TenantOwnedModel):
    """One event for one endpoint, retried with backoff for 24 hours (`next_attempt_at` is
    the due-time queue; null when nothing is left to do)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE,
                                 related_name="deliveries", verbose_name=_("endpoint"))
    event = models.CharField(_("event"), max_length=40)
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4)
    payload = models.JSONField(_("payload"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_status = models.PositiveIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    done_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sent webhook")
        verbose_name_plural = _("sent webhooks")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "event_id"],
                                               name="webhookdelivery_once_per_endpoint")]
        indexes = [models.Index(fields=["next_attempt_at"], name="webhookdelivery_due",
                                condition=models.Q(next_attempt_at__isnull=False))]

    def __str__(self) -> str:
        return f"{self.event_label} → {self.endpoint_id}"

    @property
    def event_label(self) -> str:
        return event_label(self.event)


class IdempotencyKey(TenantOwnedModel):
    """`Idempotency-Key` of a POST to the public API: the same key with the same body answers
    the first result again; with another body it is refused (409)."""

    key = models.CharField(_("key"), max_length=100)
    request_hash = models.CharField(max_length=64, verbose_name=_("request hash"))
    order = models.ForeignKey("sales.Order", on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("order"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["tenant", "key"],
                                               name="idempotencykey_unique_per_shop")]

    def __str__(self) -> str:
        return self.key
