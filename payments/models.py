from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

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
