"""Growth: the shop's funnel events and their daily rollups, abandoned-cart recovery, the public
sales feed, the customer role and the welcome message, with the owner's settings for each."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tenants.scoping import TenantOwnedModel

DISCORD_ID_MAX = 20


class GrowthSettings(TenantOwnedModel):
    class BuyerDisplay(models.TextChoices):
        MENTION = "mention", _("Mention (@buyer)")
        NAME = "name", _("Name only")
        ANONYMOUS = "anonymous", _("Anonymous")

    # Abandoned carts
    recovery_enabled = models.BooleanField(_("remind abandoned carts"), default=False)
    recovery_delay_minutes = models.PositiveIntegerField(_("minutes before the reminder"),
                                                         default=30)
    recovery_coupon_percent = models.PositiveSmallIntegerField(
        _("coupon in the reminder (%)"), default=0,
        help_text=_("0 sends no coupon; otherwise a single-use coupon with this discount."))
    # Sales feed
    feed_enabled = models.BooleanField(_("post sales in a channel"), default=False)
    feed_channel_id = models.CharField(_("sales feed channel id"), max_length=DISCORD_ID_MAX,
                                       blank=True)
    feed_show_amount = models.BooleanField(_("show the amount"), default=False)
    feed_buyer = models.CharField(_("show the buyer as"), max_length=10,
                                  choices=BuyerDisplay.choices, default=BuyerDisplay.NAME)
    # Customer role
    customer_role_id = models.CharField(_("customer role id"), max_length=DISCORD_ID_MAX,
                                        blank=True)
    customer_role_remove_on_refund = models.BooleanField(
        _("remove the role on a full refund"), default=True)
    # Welcome
    welcome_enabled = models.BooleanField(_("welcome new members"), default=False)
    welcome_channel_id = models.CharField(
        _("welcome channel id"), max_length=DISCORD_ID_MAX, blank=True,
        help_text=_("Empty: the welcome goes by direct message."))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("growth settings")
        verbose_name_plural = _("growth settings")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="growth_settings_one")]

    def __str__(self) -> str:
        return f"growth settings of {self.tenant_id}"


class EventKind(models.TextChoices):
    STOREFRONT = "storefront", _("Storefront view")
    PRODUCT_VIEW = "product_view", _("Product view")
    CART_ADD = "cart_add", _("Cart add")
    CHECKOUT = "checkout", _("Checkout")
    PAID = "paid", pgettext_lazy("event", "Paid order")
    PAID_LINE = "paid_line", _("Product sold")
    RECOVERED = "recovered", _("Recovered cart")


class Event(TenantOwnedModel):
    """One step of the funnel. Raw rows live 90 days, then become DailyRollup rows."""

    Kind = EventKind

    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    occurred_at = models.DateTimeField(_("when"), db_index=True)
    product_id = models.BigIntegerField(_("product"), null=True, blank=True)
    customer_id = models.BigIntegerField(_("customer"), null=True, blank=True)
    order_id = models.BigIntegerField(_("order"), null=True, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    amount_cents = models.BigIntegerField(_("amount"), default=0)
    coupon_code = models.CharField(_("coupon"), max_length=40, blank=True)
    # Steps announced more than once (a replayed webhook) are recorded once. NULL, not "":
    # the many events without a key must not collide in the unique constraint.
    dedupe_key = models.CharField(max_length=60, null=True, blank=True)  # noqa: DJ001

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["tenant", "kind", "occurred_at"])]
        constraints = [models.UniqueConstraint(fields=["tenant", "dedupe_key"],
                                               name="growth_event_dedupe")]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.occurred_at:%Y-%m-%d}"


class DailyRollup(TenantOwnedModel):
    """Events older than the raw window, summed per day, kind, product and coupon."""

    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    product_id = models.BigIntegerField(_("product"), default=0)
    coupon_code = models.CharField(_("coupon"), max_length=40, blank=True, default="")
    count = models.PositiveIntegerField(_("count"), default=0)
    quantity = models.PositiveIntegerField(_("quantity"), default=0)
    amount_cents = models.BigIntegerField(_("amount"), default=0)

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        constraints = [models.UniqueConstraint(
            fields=["tenant", "day", "kind", "product_id", "coupon_code"],
            name="growth_rollup_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.day}: {self.count}"


class NotificationOptOut(TenantOwnedModel):
    """A buyer who said /notificacoes off: no reminder DMs from this shop."""

    customer = models.OneToOneField("sales.Customer", on_delete=models.CASCADE,
                                    related_name="+", verbose_name=_("customer"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("notification opt-out")
        verbose_name_plural = _("notification opt-outs")

    def __str__(self) -> str:
        return f"opt-out {self.customer_id}"


class CartRecovery(TenantOwnedModel):
    """At most one reminder per cart (the one-to-one says so in the database)."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Failed")
        RECOVERED = "recovered", _("Recovered")

    cart = models.OneToOneField("sales.Cart", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("cart"))
    customer = models.ForeignKey("sales.Customer", on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("customer"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.WAITING)
    due_at = models.DateTimeField(_("due at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=60, blank=True)
    coupon = models.ForeignKey("catalog.Coupon", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("coupon"))
    order = models.ForeignKey("sales.Order", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("order"))
    recovered_cents = models.BigIntegerField(_("recovered"), default=0)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("cart recovery")
        verbose_name_plural = _("cart recoveries")
        indexes = [models.Index(fields=["state", "due_at"])]

    def __str__(self) -> str:
        return f"recovery of cart {self.cart_id} ({self.state})"


class FeedItem(TenantOwnedModel):
    """A sale waiting for the feed; a flush posts every waiting sale of the shop together."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        POSTED = "posted", _("Posted")
        FAILED = "failed", _("Failed")

    order = models.OneToOneField("sales.Order", on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("order"))
    line = models.CharField(_("line"), max_length=300)
    mention_user_id = models.CharField(max_length=DISCORD_ID_MAX, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices,
                             default=State.WAITING)
    message_id = models.CharField(max_length=DISCORD_ID_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("feed item")
        verbose_name_plural = _("feed items")
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return self.line


class RoleGrant(TenantOwnedModel):
    """The customer role of one buyer: granted after the first paid order, maybe removed."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        GRANTED = "granted", _("Granted")
        REMOVING = "removing", _("Removing")
        REMOVED = "removed", _("Removed")
        FAILED = "failed", _("Failed")

    customer = models.OneToOneField("sales.Customer", on_delete=models.CASCADE,
                                    related_name="+", verbose_name=_("customer"))
    role_id = models.CharField(_("role id"), max_length=DISCORD_ID_MAX)
    state = models.CharField(_("state"), max_length=8, choices=State.choices,
                             default=State.PENDING)
    error = models.CharField(_("error"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("customer role grant")
        verbose_name_plural = _("customer role grants")

    def __str__(self) -> str:
        return f"role {self.role_id} for {self.customer_id} ({self.state})"


class Welcome(TenantOwnedModel):
    """One welcome per member and shop: leaving and joining again is not welcomed twice."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    discord_user_id = models.CharField(_("Discord user id"), max_length=DISCORD_ID_MAX)
    state = models.CharField(_("state"), max_length=8, choices=State.choices,
                             default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("welcome")
        verbose_name_plural = _("welcomes")
        constraints = [models.UniqueConstraint(fields=["tenant", "discord_user_id"],
                                               name="growth_welcome_once")]

    def __str__(self) -> str:
        return f"welcome {self.discord_user_id}"
