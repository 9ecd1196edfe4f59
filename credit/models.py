"""Store credit's own rows: PIX top-ups (a payable, like an order). Balances are in the ledger
(wallet/credit.py); nothing here holds money."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sales.models import PAYER_EMAIL_DOMAIN
from tenants.scoping import TenantOwnedModel


class TopUp(TenantOwnedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for payment")
        CREDITED = "credited", _("credited")
        FAILED = "failed", _("not paid")
        REVERSED = "reversed", _("refunded")

    customer = models.ForeignKey("sales.Customer", verbose_name=_("buyer"),
                                 on_delete=models.PROTECT, related_name="topups")
    amount_cents = models.BigIntegerField(_("amount (centavos)"))
    # The bonus promised when the top-up was asked; what was granted is in the ledger.
    bonus_cents = models.BigIntegerField(_("bonus (centavos)"), default=0)
    bonus_granted_cents = models.BigIntegerField(_("bonus granted (centavos)"), default=0)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.PENDING, db_index=True)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    credited_at = models.DateTimeField(_("credited"), null=True, blank=True)

    class Meta:
        verbose_name = _("top-up")
        verbose_name_plural = _("top-ups")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0),
                                   name="credit_topup_amount_positive"),
            models.CheckConstraint(condition=Q(bonus_cents__gte=0)
                                   & Q(bonus_granted_cents__gte=0)
                                   & Q(bonus_granted_cents__lte=models.F("bonus_cents")),
                                   name="credit_topup_bonus_in_range"),
        ]

    def __str__(self) -> str:
        return f"top-up #{self.pk}"

    # -- payments.services.Payable ---------------------------------------------------------
    def payment_amount_cents(self) -> int:
        return self.amount_cents

    def payment_description(self) -> str:
        return f"{self.tenant.name} saldo #{self.pk}"[:250]

    def payment_payer_email(self) -> str:
        return f"buyer-{self.customer.discord_user_id}@{PAYER_EMAIL_DOMAIN}"


class GiftCard(TenantOwnedModel):
    """A gift card code, sold as a stock item of its variant: the code itself is that item's
    content (encrypted at rest by catalog, delivered by the usual stock DM); here only its keyed
    fingerprint, to find it when redeemed, and its life: issued when sold, redeemed once."""

    class Status(models.TextChoices):
        UNSOLD = "unsold", _("not sold yet")
        ISSUED = "issued", _("sold, not redeemed")
        REDEEMED = "redeemed", _("redeemed")
        VOID = "void", _("voided (sale refunded)")

    variant = models.ForeignKey("catalog.Variant", verbose_name=_("variant"),
                                on_delete=models.CASCADE, related_name="gift_cards")
    stock_item = models.OneToOneField("catalog.StockItem", verbose_name=_("stock item"),
                                      on_delete=models.CASCADE, related_name="gift_card")
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.UNSOLD, db_index=True)
    value_cents = models.BigIntegerField(_("value (centavos)"), default=0)
    order_ref = models.BigIntegerField(_("order"), null=True, blank=True)
    redeemed_by = models.ForeignKey("sales.Customer", verbose_name=_("redeemed by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    redeemed_at = models.DateTimeField(_("redeemed"), null=True, blank=True)

    class Meta:
        verbose_name = _("gift card")
        verbose_name_plural = _("gift cards")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "fingerprint"],
                                    name="credit_giftcard_unique_code"),
            models.CheckConstraint(condition=Q(value_cents__gte=0),
                                   name="credit_giftcard_value_non_negative"),
        ]

    def __str__(self) -> str:
        return f"gift card #{self.pk}"
