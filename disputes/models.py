"""A dispute: a buyer's chargeback (card) or PIX MED return against one paid order."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from money import format_money
from tenants.scoping import TenantOwnedModel


class Dispute(TenantOwnedModel):
    class Kind(models.TextChoices):
        CHARGEBACK = "chargeback", _("Card chargeback")
        MED = "med", _("PIX return (MED)")

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("dispute state", "Open")
        WON = "won", pgettext_lazy("dispute state", "Won")
        LOST = "lost", pgettext_lazy("dispute state", "Lost")

    class Source(models.TextChoices):
        PROVIDER = "provider", _("Provider")
        OWNER = "owner", _("Owner")

    provider = models.CharField(_("provider"), max_length=20)
    # The provider's own id (chargeback id, claim id, Stripe dp_...): unique per provider, so
    # a duplicate or replayed notification finds the dispute it already opened.
    external_id = models.CharField(_("provider dispute id"), max_length=64)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=8, choices=State.choices,
                             default=State.OPEN, db_index=True)
    payment = models.ForeignKey("payments.Payment", on_delete=models.PROTECT,
                                related_name="disputes", verbose_name=_("payment"))
    order = models.ForeignKey("sales.Order", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="disputes", verbose_name=_("order"))
    customer = models.ForeignKey("sales.Customer", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="disputes",
                                 verbose_name=_("buyer"))
    amount_cents = models.BigIntegerField(_("disputed amount (cents)"))
    currency = models.CharField(_("currency"), max_length=3, default="BRL")
    # What the ledger froze for it (the chargeback posting of the payment); won gives it back.
    frozen_cents = models.BigIntegerField(_("frozen (cents)"), default=0)
    reason = models.CharField(_("reason"), max_length=120, blank=True)
    provider_status = models.CharField(_("provider status"), max_length=60, blank=True)
    deadline_at = models.DateTimeField(_("answer by"), null=True, blank=True, db_index=True)
    outcome_source = models.CharField(_("outcome from"), max_length=10, blank=True,
                                      choices=Source.choices)
    roles_revoked = models.PositiveIntegerField(_("roles revoked"), default=0)
    keys_compromised = models.PositiveIntegerField(_("keys marked compromised"), default=0)
    # True when this dispute blocked the buyer (a buyer already blocked stays the owner's call).
    buyer_blocked = models.BooleanField(_("buyer blocked by this dispute"), default=False)
    raw = models.JSONField(_("provider data"), default=dict, blank=True)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("resolved by"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "external_id"],
                                    name="dispute_unique_provider_id"),
            models.CheckConstraint(condition=models.Q(amount_cents__gt=0),
                                   name="dispute_amount_positive"),
            models.CheckConstraint(condition=models.Q(frozen_cents__gte=0),
                                   name="dispute_frozen_non_negative"),
        ]

    def __str__(self) -> str:
        return gettext("Dispute %(id)s · %(amount)s") % {
            "id": self.external_id, "amount": format_money(self.amount_cents, self.currency)}

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    @property
    def overdue(self) -> bool:
        return bool(self.is_open and self.deadline_at and self.deadline_at < timezone.now())


class CompromisedKey(TenantOwnedModel):
    """A stock key the disputed order delivered: the buyer still has it, so it is burned."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="keys",
                                verbose_name=_("dispute"))
    stock_item = models.ForeignKey("catalog.StockItem", on_delete=models.CASCADE,
                                   related_name="+", verbose_name=_("stock item"))
    created_at = models.DateTimeField(_("marked"), auto_now_add=True)

    class Meta:
        verbose_name = _("compromised key")
        verbose_name_plural = _("compromised keys")
        constraints = [models.UniqueConstraint(fields=["dispute", "stock_item"],
                                               name="compromised_key_unique")]

    def __str__(self) -> str:
        return gettext("Key #%(id)s") % {"id": self.stock_item_id}
