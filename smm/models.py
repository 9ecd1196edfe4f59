"""SMM panel delivery: the shop's panel, which panel service each variant orders, and the
orders placed at the panel with their status-check schedule (`next_check_at`)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from tenants.fields import EncryptedTextField
from tenants.scoping import TenantOwnedModel


class Panel(TenantOwnedModel):
    """The shop's SMM panel account (one per shop): its API URL and key (encrypted)."""

    url = models.URLField(_("panel API URL"), help_text=_(
        "The panel's API address, e.g. https://panel.example/api/v2."))
    api_key = EncryptedTextField(_("API key"))
    balance_alert_below = models.DecimalField(
        _("alert when balance is below"), max_digits=14, decimal_places=4, null=True,
        blank=True, help_text=_("In the panel's currency. Empty: no alert."))
    balance = models.DecimalField(_("balance"), max_digits=14, decimal_places=4, null=True,
                                  blank=True)
    balance_currency = models.CharField(_("currency"), max_length=8, blank=True)
    balance_checked_at = models.DateTimeField(_("balance checked at"), null=True, blank=True)
    # Set when the owner was told the balance is low; cleared when it is back above.
    balance_alerted_at = models.DateTimeField(_("low balance alert sent at"), null=True,
                                              blank=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("SMM panel")
        verbose_name_plural = _("SMM panels")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="smm_panel_one_per_shop")]

    def __str__(self) -> str:
        return self.url


class ServiceMapping(TenantOwnedModel):
    """What a variant orders at the panel: service id, quantity per unit bought, and which of
    the product's custom fields holds the link."""

    variant = models.OneToOneField("catalog.Variant", on_delete=models.CASCADE,
                                   related_name="smm_service", verbose_name=_("variant"))
    service_id = models.PositiveIntegerField(_("panel service id"),
                                             validators=[MinValueValidator(1)])
    quantity_per_unit = models.PositiveIntegerField(
        _("quantity per unit"), validators=[MinValueValidator(1), MaxValueValidator(10_000_000)],
        help_text=_("E.g. 1000 followers for each unit the buyer buys."))
    link_field = models.SlugField(_("link field"), max_length=40, help_text=_(
        "Key of the product's custom field whose answer is sent as the link."))
    refill = models.BooleanField(_("refill allowed"), default=False,
                                 help_text=_("The service accepts refill requests."))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("SMM service")
        verbose_name_plural = _("SMM services")

    def __str__(self) -> str:
        return f"{self.variant_id} -> {self.service_id}"


class PanelOrder(TenantOwnedModel):
    """One order at the panel for one "service" delivery. Status checks are due at
    `next_check_at` (null: nothing to check); the beat sweeper claims due rows with a
    conditional UPDATE, so two workers never check the same order at once."""

    class Status(models.TextChoices):
        PLACING = "placing", _("Placing")
        PENDING = "pending", _("Pending")
        IN_PROGRESS = "in_progress", _("In progress")
        PROCESSING = "processing", _("Processing")
        COMPLETED = "completed", _("Completed")
        PARTIAL = "partial", _("Partial")
        CANCELED = "canceled", pgettext_lazy("smm order", "Canceled")
        FAILED = "failed", _("Failed")

    class Refund(models.TextChoices):
        NONE = "none", _("None")
        DUE = "due", _("Due")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    delivery = models.OneToOneField("sales.Delivery", on_delete=models.CASCADE,
                                    related_name="panel_order", verbose_name=_("delivery"))
    order = models.ForeignKey("sales.Order", on_delete=models.CASCADE,
                              related_name="panel_orders", verbose_name=_("order"))
    service_id = models.PositiveIntegerField(_("panel service id"))
    link = models.CharField(_("link"), max_length=300)
    quantity = models.PositiveIntegerField(_("quantity"))
    refill_allowed = models.BooleanField(_("refill allowed"), default=False)
    panel_order_id = models.CharField(_("panel order id"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.PLACING)
    charge = models.CharField(_("charge"), max_length=30, blank=True)
    start_count = models.BigIntegerField(_("start count"), null=True, blank=True)
    remains = models.BigIntegerField(_("remains"), null=True, blank=True)
    next_check_at = models.DateTimeField(_("next check"), null=True, blank=True)
    checks = models.PositiveIntegerField(_("checks"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    refund_state = models.CharField(_("refund"), max_length=10, choices=Refund.choices,
                                    default=Refund.NONE)
    refund_cents = models.BigIntegerField(_("refund (centavos)"), default=0)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("panel order")
        verbose_name_plural = _("panel orders")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The due-time queue: only rows with a check due are in this index.
            models.Index(fields=["next_check_at"], name="smm_order_due",
                         condition=models.Q(next_check_at__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(refund_cents__gte=0),
                                   name="smm_order_refund_not_negative"),
        ]

    def __str__(self) -> str:
        return gettext("Panel order %(id)s (%(status)s)") % {
            "id": self.panel_order_id or "—", "status": self.get_status_display()}

    @property
    def delivered(self) -> int:
        """How much the panel delivered so far (remains counts what is left)."""
        if self.status == self.Status.COMPLETED:
            return self.quantity
        if self.remains is None:
            return 0
        return max(0, self.quantity - int(self.remains))


class Refill(TenantOwnedModel):
    """A refill the buyer asked for (the service re-delivers what dropped)."""

    panel_order = models.ForeignKey(PanelOrder, on_delete=models.CASCADE,
                                    related_name="refills", verbose_name=_("panel order"))
    panel_refill_id = models.CharField(_("panel refill id"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=30, blank=True)
    next_check_at = models.DateTimeField(_("next check"), null=True, blank=True)
    checks = models.PositiveIntegerField(_("checks"), default=0)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("refill")
        verbose_name_plural = _("refills")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["next_check_at"], name="smm_refill_due",
                                condition=models.Q(next_check_at__isnull=False))]

    def __str__(self) -> str:
        return gettext("Refill %(id)s") % {"id": self.panel_refill_id or "—"}
