"""Sales: customers, carts, orders with their events, and deliveries (the fulfillment outbox)."""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from money import format_money
from tenants.scoping import TenantOwnedModel

# Mercado Pago requires a valid-looking payer email; Discord buyers give us none. The reserved
# `.invalid` TLD (RFC 2606) can never deliver mail, and the address names the buyer for support.
PAYER_EMAIL_DOMAIN = "users.vitrine.invalid"


class Customer(TenantOwnedModel):
    discord_user_id = models.CharField(_("Discord user id"), max_length=20)
    display_name = models.CharField(_("name"), max_length=100, blank=True)
    is_blocked = models.BooleanField(_("blocked"), default=False)
    first_purchase_at = models.DateTimeField(_("first purchase"), null=True, blank=True)
    last_purchase_at = models.DateTimeField(_("last purchase"), null=True, blank=True)
    lifetime_spend_cents = models.BigIntegerField(_("lifetime spend"), default=0)
    # The private thread the bot opened for this buyer's cart; a delivery goes there when the
    # buyer's DMs are closed.
    cart_thread_id = models.CharField(_("cart thread"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-last_purchase_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "discord_user_id"],
                                    name="customer_unique_discord_user"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.discord_user_id


class Cart(TenantOwnedModel):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("cart", "Open")
        CHECKED_OUT = "checked_out", _("Checked out")
        EXPIRED = "expired", pgettext_lazy("cart", "Expired")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="carts",
                                 verbose_name=_("customer"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN,
                              verbose_name=_("status"))
    coupon = models.ForeignKey("catalog.Coupon", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("coupon"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "customer"],
                                    condition=models.Q(status="open"),
                                    name="cart_one_open_per_customer"),
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"cart {self.pk} ({self.status})"


class CartLine(TenantOwnedModel):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines",
                             verbose_name=_("cart"))
    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("variant"))
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))
    # The buyer's answers to the product's custom fields (catalog/fields.py's stored form).
    answers = models.JSONField(default=list, blank=True, verbose_name=_("answers"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("cart line")
        verbose_name_plural = _("cart lines")
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="cartline_unique_variant"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0),
                                   name="cartline_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity}x #{self.variant_id}"


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
    PAID = "paid", _("Paid")
    # Paid, but a risk rule (trust's paid gate) asked a person to look first: no deliveries
    # until the owner or the staff release it (sales.services.orders.order_release_hold).
    ON_HOLD = "on_hold", _("Held for review")
    DELIVERING = "delivering", _("Delivering")
    DELIVERED = "delivered", _("Delivered")
    PARTIALLY_DELIVERED = "partially_delivered", _("Partially delivered")
    DELIVERY_FAILED = "delivery_failed", _("Delivery failed")
    CANCELLED = "cancelled", pgettext_lazy("order", "Cancelled")
    EXPIRED = "expired", pgettext_lazy("order", "Expired")
    REFUNDED = "refunded", pgettext_lazy("order", "Refunded")
    CHARGED_BACK = "charged_back", pgettext_lazy("order", "Charged back")


# Orders whose goods the buyer no longer owns: nothing is delivered, retried or reminded.
REVOKED_STATUSES = (OrderStatus.REFUNDED, OrderStatus.CHARGED_BACK)


def _order_code() -> str:
    # 40 random bits: short enough to read to support, collisions negligible per shop and
    # across the platform (the column is unique).
    return secrets.token_hex(5).upper()


class Order(TenantOwnedModel):
    Status = OrderStatus

    code = models.CharField(_("order"), max_length=12, unique=True, default=_order_code)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders",
                                 verbose_name=_("customer"))
    cart = models.OneToOneField(Cart, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="order", verbose_name=_("cart"))
    status = models.CharField(_("status"), max_length=24, choices=OrderStatus.choices,
                              default=OrderStatus.PENDING_PAYMENT, db_index=True)
    coupon = models.ForeignKey("catalog.Coupon", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="orders",
                               verbose_name=_("coupon"))
    coupon_code = models.CharField(_("coupon"), max_length=40, blank=True)
    subtotal_cents = models.BigIntegerField(_("subtotal"))
    discount_cents = models.BigIntegerField(_("discount"), default=0)
    total_cents = models.BigIntegerField(_("total"))
    # Store credit taken from the buyer's balance at checkout (wallet/credit.py); the payment
    # is for the rest, and an order paid wholly by credit has no payment at all.
    credit_applied_cents = models.BigIntegerField(_("store credit applied"), default=0)
    currency = models.CharField(max_length=3, default="BRL", verbose_name=_("currency"))
    payment_method = models.CharField(_("payment method"), max_length=20, default="pix")
    payment_expires_at = models.DateTimeField(null=True, blank=True,
                                              verbose_name=_("payment expires at"))
    paid_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paid at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(total_cents__gt=0),
                                   name="order_total_positive"),
            models.CheckConstraint(
                condition=models.Q(total_cents=models.F("subtotal_cents")
                                   - models.F("discount_cents")),
                name="order_total_is_subtotal_minus_discount"),
            models.CheckConstraint(
                condition=models.Q(credit_applied_cents__gte=0,
                                   credit_applied_cents__lte=models.F("total_cents")),
                name="order_credit_within_total"),
        ]
        indexes = [models.Index(fields=["status", "payment_expires_at"])]

    def __str__(self) -> str:
        return f"#{self.code}"

    # -- payments.services.Payable ---------------------------------------------------------
    def payment_amount_cents(self) -> int:
        return self.total_cents - self.credit_applied_cents

    @property
    def paid_by_credit(self) -> bool:
        return self.credit_applied_cents >= self.total_cents

    def payment_currency(self) -> str:
        """The order's own currency (a Stripe buyer may pay a USD price in a BRL shop)."""
        return self.currency

    def payment_description(self) -> str:
        return f"{self.tenant.name} #{self.code}"[:250]

    def payment_platform_fee_cents(self) -> int:
        """The platform's fee on this order, as the wallet would take it (plan or negotiated
        percent, half-up): what Mercado Pago splits off when the shop sells on its own
        account."""
        from wallet.policy import fee_cents, wallet_policy

        return fee_cents(self.total_cents, wallet_policy(self.tenant).fee_percent)

    def payment_payer_email(self) -> str:
        return f"buyer-{self.customer.discord_user_id}@{PAYER_EMAIL_DOMAIN}"


class OrderLine(TenantOwnedModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines",
                              verbose_name=_("order"))
    variant = models.ForeignKey("catalog.Variant", null=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("variant"))
    product_name = models.CharField(max_length=100, verbose_name=_("product name"))
    variant_label = models.CharField(max_length=80, verbose_name=_("variant label"))
    unit_price_cents = models.BigIntegerField(verbose_name=_("unit price (cents)"))
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))
    discount_cents = models.BigIntegerField(default=0, verbose_name=_("discount (cents)"))
    line_total_cents = models.BigIntegerField(verbose_name=_("line total (cents)"))
    fulfillment = models.CharField(max_length=20, verbose_name=_("delivery type"))
    role_id = models.CharField(max_length=20, blank=True, verbose_name=_("role id"))
    duration_days = models.PositiveIntegerField(null=True, blank=True,
                                                verbose_name=_("duration (days)"))
    # Custom field answers, copied from the cart line: shown to staff, passed to fulfillment;
    # those marked private are never logged (catalog.fields.answers_public).
    answers = models.JSONField(default=list, blank=True, verbose_name=_("answers"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")

    def __str__(self) -> str:
        return f"{self.quantity}x {self.product_name} · {self.variant_label}"


class OrderEvent(TenantOwnedModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events",
                              verbose_name=_("order"))
    at = models.DateTimeField(auto_now_add=True, verbose_name=_("when"))
    actor = models.CharField(max_length=40,
                             verbose_name=_("actor"))  # "bot", "payment", "system", "user:<id>"
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("user"))
    from_status = models.CharField(max_length=24, blank=True, verbose_name=_("from status"))
    to_status = models.CharField(max_length=24, verbose_name=_("to status"))
    reason = models.CharField(max_length=200, blank=True, verbose_name=_("reason"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("order event")
        verbose_name_plural = _("order events")

    def __str__(self) -> str:
        return str(self.sentence)

    @property
    def sentence(self) -> str:
        """What happened, as a sentence in the reader's language (built from the fields, not
        from `reason`, which is a machine note or what a person typed)."""
        if self.from_status == self.to_status and _PARTIAL_REFUND.match(self.reason):
            return _("Partial refund")
        return _EVENT_SENTENCES.get(self.to_status, self.to_label)

    @property
    def note(self) -> str:
        """`reason` when it adds something: machine notes that repeat the sentence are dropped,
        known ones are translated, and what people typed is shown as typed."""
        reason = self.reason.strip()
        if not reason or reason in _SILENT_REASONS or _PAYMENT_OUTCOME.fullmatch(reason):
            return ""
        if reason in _REASON_NOTES:
            return str(_REASON_NOTES[reason])
        if match := _REFUND_REASON.fullmatch(reason) or _PARTIAL_REFUND.fullmatch(reason):
            return match["why"] or ""
        if match := _FIRST_PURCHASE_HOLD.fullmatch(reason):
            return _("A first purchase above %(amount)s waits for your approval.") % {
                "amount": format_money(int(match["cents"]))}
        return reason

    @property
    def actor_label(self) -> str:
        if self.actor_user_id:
            return self.actor_user.display_name
        return str(_ACTORS.get(self.actor.split(":", 1)[0], self.actor))

    @property
    def from_label(self) -> str:
        return OrderStatus(self.from_status).label if self.from_status else ""

    @property
    def to_label(self) -> str:
        return OrderStatus(self.to_status).label


_EVENT_SENTENCES = {
    OrderStatus.PENDING_PAYMENT: _("Order placed, awaiting payment"),
    OrderStatus.PAID: _("Payment approved"),
    OrderStatus.ON_HOLD: _("Held for manual review"),
    OrderStatus.DELIVERING: _("Delivery started"),
    OrderStatus.DELIVERED: _("Everything was delivered"),
    OrderStatus.PARTIALLY_DELIVERED: _("Part of the order was delivered"),
    OrderStatus.DELIVERY_FAILED: _("The delivery failed"),
    OrderStatus.CANCELLED: _("Order cancelled"),
    OrderStatus.EXPIRED: _("The payment window ended"),
    OrderStatus.REFUNDED: _("Payment refunded"),
    OrderStatus.CHARGED_BACK: _("The buyer disputed the payment (chargeback)"),
}
_ACTORS = {"payment": _("payment provider"), "system": _("Vitrine"), "bot": _("bot"),
           "user": _("a team member")}
# Notes written by the platform that only repeat what the sentence already says.
_SILENT_REASONS = {"checkout", "delivery started", "all deliveries done", "payment window ended",
                   "cancelled in the portal", "released after review"}
_PAYMENT_OUTCOME = re.compile(r"payment [0-9a-f-]{36} \w+")
_REFUND_REASON = re.compile(r"refund \d+: ?(?P<why>.*)")
# trust's paid gate (machine note, the threshold in centavos).
_FIRST_PURCHASE_HOLD = re.compile(r"first purchase above (?P<cents>\d{1,18}) cents: manual review")
_PARTIAL_REFUND = re.compile(r"partially refunded .*?(?: \((?P<why>.*)\))?$")
_REASON_NOTES = {
    "payment approved after the order expired":
        _("The payment was approved after the order had expired."),
    "stock was sold while the payment was late; refund the buyer":
        _("The stock sold out while the payment was late: refund the buyer."),
    "manual confirmation": _("Payment confirmed by hand."),
    "manual PIX window ended": _("The time to pay by manual PIX ended."),
    "no provider charge before expiry": _("No charge was created before the order expired."),
    # trust's paid gate: the card payer's email is on a blocklist.
    "payer email blocked: manual review":
        _("The payer's email is on a blocklist: refund the buyer or approve the order."),
}


class Delivery(TenantOwnedModel):
    """One piece of work for the fulfillment worker, written with the order's `paid`."""

    class Kind(models.TextChoices):
        STOCK = "stock", _("Stock items")
        CONTENT = "content", _("Content")
        ROLE = "role", _("Discord role")
        EXTERNAL = "external", _("External fulfillment")
        SERVICE = "service", _("Service by API")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        # Handed to an outside provider (an SMM panel) that reports back: not finished, not
        # claimable, not stale; the app that handed it off settles it (fulfillment/handoff.py).
        WAITING = "waiting", _("At the provider")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        REVOKE = "revoke", _("To revoke")
        REVOKED = "revoked", _("Revoked")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="deliveries",
                              verbose_name=_("order"))
    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="deliveries",
                             verbose_name=_("line"))
    kind = models.CharField(max_length=12, choices=Kind.choices, verbose_name=_("kind"))
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING,
                             db_index=True, verbose_name=_("state"))
    role_id = models.CharField(max_length=20, blank=True, verbose_name=_("role id"))
    expires_at = models.DateTimeField(null=True, blank=True,
                                      verbose_name=_("expires at"))  # timed roles
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    last_error = models.CharField(max_length=300, blank=True, verbose_name=_("last error"))
    # DeliveryError.metric of the last failure ("unknown_member", ...): a machine-readable why,
    # so a buyer who comes back to the server gets a role that failed for their absence.
    failure_code = models.CharField(max_length=32, blank=True, verbose_name=_("failure code"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    claimed_at = models.DateTimeField(null=True, blank=True,
                                      verbose_name=_("claimed at"))  # a worker took it (running)
    done_at = models.DateTimeField(null=True, blank=True, verbose_name=_("done at"))
    # "your role ends soon" DM sent
    reminded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reminded at"))

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["id"]

    def __str__(self) -> str:
        return gettext("Delivery #%(id)s · %(kind)s") % {"id": self.pk,
                                                         "kind": self.get_kind_display()}
