"""Trust: verified reviews, buyer blocklists (per shop and platform-wide) and risk rules."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.scoping import TenantOwnedModel, TenantScopedManager, TenantScopedQuerySet

REVIEW_EDIT_DAYS = 7
EDIT_WINDOW = timedelta(days=REVIEW_EDIT_DAYS)


class Review(TenantOwnedModel):
    """One review per paid order, written by its buyer in Discord; the owner may reply or hide
    it (with a reason), never change its stars."""

    order = models.OneToOneField("sales.Order", on_delete=models.CASCADE, related_name="review",
                                 verbose_name=_("order"))
    customer = models.ForeignKey("sales.Customer", on_delete=models.CASCADE,
                                 related_name="reviews", verbose_name=_("customer"))
    # The products of the order when it was reviewed: per-product averages read this.
    products = models.ManyToManyField("catalog.Product", related_name="reviews", blank=True,
                                      verbose_name=_("products"))
    stars = models.PositiveSmallIntegerField(_("stars"))
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    reply = models.TextField(_("reply"), max_length=1000, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=200, blank=True)
    channel_message_id = models.CharField(_("channel message"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(stars__gte=1, stars__lte=5),
                                   name="review_stars_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{'★' * self.stars} #{self.order_id}"

    @property
    def editable_until(self):
        return self.created_at + EDIT_WINDOW

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class ReviewRequest(TenantOwnedModel):
    """The one DM asking a buyer for a review (the outbox row: one per order, whatever
    `order_delivered` replays)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    order = models.OneToOneField("sales.Order", on_delete=models.CASCADE,
                                 related_name="review_request", verbose_name=_("order"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.PENDING)
    dm_channel_id = models.CharField(max_length=20, blank=True, verbose_name=_("DM channel"))
    dm_message_id = models.CharField(max_length=20, blank=True, verbose_name=_("DM message"))
    last_error = models.CharField(max_length=200, blank=True, verbose_name=_("last error"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Not right with the goods: the buyer gets time to use them (TRUST_REVIEW_DELAY_MINUTES).
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review request")
        indexes = [models.Index(fields=["state", "due_at"])]
        verbose_name_plural = _("review requests")

    def __str__(self) -> str:
        return f"review request #{self.order_id} ({self.state})"


class PlatformBlockManager(models.Manager.from_queryset(TenantScopedQuerySet)):
    """The platform-wide list (tenant null): cross-tenant by nature, so unscoped by name."""

    def get_queryset(self) -> TenantScopedQuerySet:
        return super().get_queryset().unscoped().filter(tenant__isnull=True)


class Block(models.Model):
    """A buyer who may not buy: in one shop (`tenant`), or in every shop (tenant null, kept by
    the platform's operators in the admin: "bloqueado pela plataforma")."""

    class Source(models.TextChoices):
        OWNER = "owner", _("Shop team")
        DISPUTE = "dispute", _("Dispute")
        PLATFORM = "platform", _("Platform")

    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="trust_blocks", verbose_name=_("instance"),
                               help_text=_("Empty: blocked in every shop of the platform."))
    discord_user_id = models.CharField(_("Discord user id"), max_length=20, blank=True,
                                       db_index=True)
    payer_email = models.EmailField(_("payer email"), blank=True, db_index=True)
    reason = models.CharField(_("reason"), max_length=200)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices,
                              default=Source.OWNER)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Shop lists: the fail-closed manager (a query names its tenant). Platform list: by name.
    objects = TenantScopedManager()
    platform = PlatformBlockManager()

    class Meta:
        verbose_name = _("blocked buyer")
        verbose_name_plural = _("blocked buyers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(discord_user_id="", payer_email=""),
                name="block_names_someone"),
            models.UniqueConstraint(fields=["tenant", "discord_user_id"],
                                    condition=~models.Q(discord_user_id=""),
                                    name="block_unique_user_per_shop"),
            models.UniqueConstraint(fields=["discord_user_id"],
                                    condition=models.Q(tenant__isnull=True)
                                    & ~models.Q(discord_user_id=""),
                                    name="block_unique_user_platform"),
        ]

    def __str__(self) -> str:
        return self.discord_user_id or self.payer_email

    @property
    def is_platform(self) -> bool:
        return self.tenant_id is None

    @property
    def reason_label(self) -> str:
        """The reason as people read it: a dispute's block (disputes writes the machine note
        "dispute <external id>") is worded in the reader's language."""
        if self.source == self.Source.DISPUTE and self.reason.startswith("dispute "):
            return _("Dispute %(id)s") % {"id": self.reason.removeprefix("dispute ")}
        return self.reason


class TrustSettings(TenantOwnedModel):
    """The shop's risk rules (each off when empty) and where reviews are posted."""

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE,
                                  related_name="trust_settings", verbose_name=_("instance"))
    min_account_age_days = models.PositiveIntegerField(
        _("minimum Discord account age (days)"), null=True, blank=True)
    max_orders_per_hour = models.PositiveIntegerField(_("orders per buyer per hour"),
                                                      null=True, blank=True)
    max_orders_per_day = models.PositiveIntegerField(_("orders per buyer per day"),
                                                     null=True, blank=True)
    max_amount_per_hour_cents = models.BigIntegerField(_("amount per buyer per hour"),
                                                       null=True, blank=True)
    max_amount_per_day_cents = models.BigIntegerField(_("amount per buyer per day"),
                                                      null=True, blank=True)
    review_first_purchase_above_cents = models.BigIntegerField(
        _("first purchase above this goes to manual review"), null=True, blank=True)
    reviews_enabled = models.BooleanField(_("ask buyers for a review"), default=True)
    reviews_channel_id = models.CharField(_("reviews channel id"), max_length=20, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("trust settings")
        verbose_name_plural = _("trust settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_amount_per_hour_cents__isnull=True)
                | models.Q(max_amount_per_hour_cents__gt=0), name="trust_hour_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(max_amount_per_day_cents__isnull=True)
                | models.Q(max_amount_per_day_cents__gt=0), name="trust_day_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(review_first_purchase_above_cents__isnull=True)
                | models.Q(review_first_purchase_above_cents__gte=0),
                name="trust_first_purchase_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"trust settings of {self.tenant_id}"
