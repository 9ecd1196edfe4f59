from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tenants.scoping import TenantOwnedModel


class Payment(TenantOwnedModel):
    """One attempt to collect money for a payable (an Order or a plan Subscription)."""

    class Provider(models.TextChoices):
        MERCADOPAGO = "mercadopago", "Mercado Pago"
        STRIPE = "stripe", "Stripe"
        MANUAL = "manual", _("Manual PIX")

    class Method(models.TextChoices):
        PIX = "pix", "PIX"
        CARD = "card", _("Card")
        MANUAL_PIX = "manual_pix", _("Manual PIX")

    class Status(models.TextChoices):
        CREATED = "created", pgettext_lazy("payment status", "Created")
        PENDING = "pending", _("Pending")
        IN_PROCESS = "in_process", _("In process")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")
        REFUNDED = "refunded", _("Refunded")
        CHARGED_BACK = "charged_back", _("Charged back")
        REVIEW = "review", _("In review")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    payable_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    payable_id = models.PositiveBigIntegerField()
    payable = GenericForeignKey("payable_type", "payable_id")
    provider = models.CharField(max_length=20, choices=Provider.choices)
    provider_payment_id = models.CharField(max_length=64, blank=True, default="")
    method = models.CharField(max_length=20, choices=Method.choices)
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="BRL")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CREATED,
                              db_index=True)
    status_detail = models.CharField(max_length=80, blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)
    pix_code = models.TextField(blank=True, default="")
    checkout_url = models.URLField(max_length=500, blank=True, default="")
    preference_id = models.CharField(max_length=80, blank=True, default="")
    refunded_cents = models.BigIntegerField(default=0)
    review_reason = models.CharField(max_length=200, blank=True, default="")
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["payable_type", "payable_id"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_cents__gt=0),
                                   name="payment_amount_positive"),
            models.UniqueConstraint(fields=["provider", "provider_payment_id"],
                                    condition=~models.Q(provider_payment_id=""),
                                    name="payment_unique_provider_id"),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount_cents / 100:.2f} {self.currency}"

    FINAL = frozenset({"approved", "rejected", "cancelled", "expired", "refunded", "charged_back",
                       "review"})
    OPEN = frozenset({"created", "pending", "in_process"})

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    def instructions(self) -> PaymentInstructions:
        """What the bot and the pages show the buyer to pay."""
        qr = reverse("payments:qr", args=[self.public_id]) if self.pix_code else ""
        return PaymentInstructions(
            payment_id=str(self.public_id), method=self.method, status=self.status,
            amount_cents=self.amount_cents, currency=self.currency, pix_code=self.pix_code,
            qr_image_url=qr, checkout_url=self.checkout_url,
            page_url=reverse("payments:page", args=[self.public_id]), expires_at=self.expires_at,
        )


@dataclass(frozen=True)
class PaymentInstructions:
    payment_id: str
    method: str
    status: str
    amount_cents: int
    currency: str
    pix_code: str
    qr_image_url: str  # path on the platform; callers prefix PUBLIC_URL where needed
    checkout_url: str
    page_url: str
    expires_at: datetime | None

    def as_dict(self) -> dict:
        data = dict(self.__dict__)
        data["expires_at"] = self.expires_at.isoformat() if self.expires_at else None
        return data


class Refund(TenantOwnedModel):
    """Money given back on a payment: from the portal's Refund button or seen at the provider."""

    class Source(models.TextChoices):
        PORTAL = "portal", _("Portal")
        PROVIDER = "provider", _("Provider")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    provider_refund_id = models.CharField(max_length=64, blank=True, default="")
    amount_cents = models.BigIntegerField()
    partial = models.BooleanField(default=False)
    reason = models.CharField(max_length=300, blank=True, default="")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.PROVIDER)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_cents__gt=0),
                                   name="refund_amount_positive"),
            models.UniqueConstraint(fields=["payment", "provider_refund_id"],
                                    condition=~models.Q(provider_refund_id=""),
                                    name="refund_unique_provider_id"),
        ]

    def __str__(self) -> str:
        return f"refund {self.amount_cents / 100:.2f} of payment {self.payment_id}"


class WebhookEvent(models.Model):
    """One notification as received, kept for audit. Not tenant-owned: the tenant is only known
    once the task has fetched the payment (it then fills `payment`)."""

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        QUEUED = "queued", _("Queued")
        PROCESSING = "processing", _("Processing")
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored")
        FAILED = "failed", _("Failed")

    provider = models.CharField(max_length=20, default="mercadopago")
    event_id = models.CharField(max_length=120)
    topic = models.CharField(max_length=60, blank=True, default="")
    action = models.CharField(max_length=60, blank=True, default="")
    data_id = models.CharField(max_length=64, blank=True, default="")
    request_id = models.CharField(max_length=120, blank=True, default="")
    legacy_ipn = models.BooleanField(default=False)
    payload = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="webhook_events", db_index=False)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"],
                                    name="webhook_event_unique_provider_event"),
        ]
        # Append-only and kept for audit, while the queries that matter (drain, sweeper,
        # operator counts) look at the few events still open: partial indexes stay small
        # however long the history grows, and each acknowledgement's insert maintains fewer
        # index entries (a notification is stored before its payment is known).
        indexes = [
            models.Index(fields=["state", "received_at"], name="webhook_event_open",
                         condition=models.Q(state__in=["received", "queued", "processing",
                                                       "failed"])),
            models.Index(fields=["payment"], name="webhook_event_payment",
                         condition=models.Q(payment__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.topic} {self.data_id} ({self.state})"
