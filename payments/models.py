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
        # The shop's own Mercado Pago account (OAuth); the platform takes its fee at source.
        MERCADOPAGO_SELLER = "mercadopago_seller", _("Mercado Pago (shop's account)")
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
    # The platform's share Mercado Pago takes at source on a shop's own account
    # (`application_fee`); 0 on the platform's account, where the wallet takes the fee.
    application_fee_cents = models.BigIntegerField(default=0,
                                                   verbose_name=_("platform fee (cents)"))
    review_reason = models.CharField(max_length=200, blank=True, default="",
                                     verbose_name=_("review reason"))
    # The payer's email as the provider reports it (a card checkout page asks for it): trust's
    # blocklist by payer email reads it. Empty until the provider tells us.
    payer_email = models.EmailField(max_length=254, blank=True, default="",
                                    verbose_name=_("payer email"))
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
        return bool(settings.MERCADOPAGO_SANDBOX
                    and self.provider in (self.Provider.MERCADOPAGO,
                                          self.Provider.MERCADOPAGO_SELLER)
                    and self.provider_payment_id and self.status == self.Status.PENDING)

    @property
    def settles_at_provider(self) -> bool:
        """The money went straight to the shop's own account: the wallet holds none of it."""
        return self.provider == self.Provider.MERCADOPAGO_SELLER


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


class MercadoPagoConnection(TenantOwnedModel):
    """A shop's own Mercado Pago account, connected through Mercado Pago's OAuth.

    Tokens are encrypted at rest (tenants.crypto, FERNET_KEYS). `status` says whether new
    checkouts may use it: an expired or revoked grant stops them with a message to the owner
    (portal banner) and the buyer (bot), until the owner connects again.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Connected")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")
        DISCONNECTED = "disconnected", _("Disconnected")

    mp_user_id = models.CharField(max_length=32, db_index=True,
                                  verbose_name=_("Mercado Pago user id"))
    access_token_encrypted = models.TextField(verbose_name=_("access token (encrypted)"))
    refresh_token_encrypted = models.TextField(blank=True, default="",
                                               verbose_name=_("refresh token (encrypted)"))
    public_key = models.CharField(max_length=120, blank=True, default="",
                                  verbose_name=_("public key"))
    scope = models.CharField(max_length=200, blank=True, default="", verbose_name=_("scope"))
    live_mode = models.BooleanField(default=False, verbose_name=_("live mode"))
    expires_at = models.DateTimeField(verbose_name=_("token expires at"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE,
                              db_index=True, verbose_name=_("status"))
    status_reason = models.CharField(max_length=200, blank=True, default="",
                                     verbose_name=_("status reason"))
    connected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("connected by"))
    connected_at = models.DateTimeField(auto_now_add=True, verbose_name=_("connected at"))
    refreshed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("refreshed at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("Mercado Pago connection")
        verbose_name_plural = _("Mercado Pago connections")
        constraints = [
            # One per shop: connecting again replaces the tokens on the same row.
            models.UniqueConstraint(fields=["tenant"], name="mp_connection_one_per_tenant"),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id}:{self.mp_user_id} ({self.status})"

    @property
    def is_usable(self) -> bool:
        from django.utils import timezone

        return self.status == self.Status.ACTIVE and self.expires_at > timezone.now()
