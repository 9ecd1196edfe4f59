from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from money import format_money
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

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False,
                                 verbose_name=_("public id"))
    payable_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("payable type"))
    payable_id = models.PositiveBigIntegerField(verbose_name=_("payable id"))
    payable = GenericForeignKey("payable_type", "payable_id")
    provider = models.CharField(max_length=20, choices=Provider.choices, verbose_name=_("provider"))
    provider_payment_id = models.CharField(max_length=64, blank=True, default="",
                                           verbose_name=_("provider payment id"))
    method = models.CharField(max_length=20, choices=Method.choices, verbose_name=_("method"))
    amount_cents = models.BigIntegerField(verbose_name=_("amount (cents)"))
    currency = models.CharField(max_length=3, default="BRL", verbose_name=_("currency"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CREATED,
                              db_index=True, verbose_name=_("status"))
    status_detail = models.CharField(max_length=80, blank=True, default="",
                                     verbose_name=_("status detail"))
    expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("expires at"))
    pix_code = models.TextField(blank=True, default="", verbose_name=_("PIX code"))
    checkout_url = models.URLField(max_length=500, blank=True, default="",
                                   verbose_name=_("checkout URL"))
    preference_id = models.CharField(max_length=80, blank=True, default="",
                                     verbose_name=_("preference id"))
    refunded_cents = models.BigIntegerField(default=0, verbose_name=_("refunded (cents)"))
    review_reason = models.CharField(max_length=200, blank=True, default="",
                                     verbose_name=_("review reason"))
    approved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("approved at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

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
        return f"{self.get_method_display()} {format_money(self.amount_cents, self.currency)}"

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
            simulate_url=(reverse("payments:simulate", args=[self.public_id])
                          if self.can_simulate else ""),
        )

    @property
    def can_simulate(self) -> bool:
        """`make run` only: the sandbox emulator can approve this open Mercado Pago payment."""
        return bool(settings.MERCADOPAGO_SANDBOX and self.provider == self.Provider.MERCADOPAGO
                    and self.provider_payment_id and self.status == self.Status.PENDING)


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
    simulate_url: str = ""  # POST here to approve in the sandbox; empty on a real account

    def as_dict(self) -> dict:
        data = dict(self.__dict__)
        data["expires_at"] = self.expires_at.isoformat() if self.expires_at else None
        return data


class Refund(TenantOwnedModel):
    """Money given back on a payment: from the portal's Refund button or seen at the provider."""

    class Source(models.TextChoices):
        PORTAL = "portal", _("Portal")
        PROVIDER = "provider", _("Provider")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds",
                                verbose_name=_("payment"))
    provider_refund_id = models.CharField(max_length=64, blank=True, default="",
                                          verbose_name=_("provider refund id"))
    amount_cents = models.BigIntegerField(verbose_name=_("amount (cents)"))
    partial = models.BooleanField(default=False, verbose_name=_("partial"))
    reason = models.CharField(max_length=300, blank=True, default="", verbose_name=_("reason"))
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.PROVIDER,
                              verbose_name=_("source"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+", verbose_name=_("actor"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

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
        return gettext("Refund of %(amount)s (payment %(payment)s)") % {
            "amount": format_money(self.amount_cents), "payment": self.payment_id}


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

    provider = models.CharField(max_length=20, default="mercadopago", verbose_name=_("provider"))
    event_id = models.CharField(max_length=120, verbose_name=_("event id"))
    topic = models.CharField(max_length=60, blank=True, default="", verbose_name=_("topic"))
    action = models.CharField(max_length=60, blank=True, default="", verbose_name=_("action"))
    data_id = models.CharField(max_length=64, blank=True, default="", verbose_name=_("data id"))
    request_id = models.CharField(max_length=120, blank=True, default="",
                                  verbose_name=_("request id"))
    legacy_ipn = models.BooleanField(default=False, verbose_name=_("legacy IPN"))
    payload = models.JSONField(default=dict, blank=True, verbose_name=_("payload"))
    received_at = models.DateTimeField(auto_now_add=True, db_index=True,
                                       verbose_name=_("received at"))
    state = models.CharField(max_length=20, choices=State.choices, default=State.RECEIVED,
                             verbose_name=_("state"))
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    error = models.TextField(blank=True, default="", verbose_name=_("error"))
    claimed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed at"))
    processed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("processed at"))
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="webhook_events", db_index=False,
                                verbose_name=_("payment"))

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
        return gettext("Notification %(id)s from %(provider)s (%(state)s)") % {
            "id": self.data_id or self.event_id, "provider": self.provider,
            "state": self.get_state_display()}
