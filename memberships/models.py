"""Tiers, members (one recurring subscription each), their charges, events, jobs and Ko-fi.

Lifecycle of a Member:
  trialing/active --(period end, unpaid)--> past_due --(grace ends)--> ended (role removed)
  active --(/assinatura cancel)--> cancelled --(period end)--> ended
  any --(a payment of its charge approved, even late)--> active (role back at once)
`due_at` is when the sweeper must look at a row next (reminder, period end, dunning, grace
end); the sweeper claims due rows with a conditional UPDATE, never "every row every minute".
"""

from __future__ import annotations

import secrets
import uuid

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from money import format_money
from tenants.fields import EncryptedTextField
from tenants.scoping import TenantOwnedModel


class Tier(TenantOwnedModel):
    class Period(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        YEARLY = "yearly", _("Yearly")

    MONTHS = {Period.MONTHLY: 1, Period.QUARTERLY: 3, Period.YEARLY: 12}

    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=300, blank=True)
    role_id = models.CharField(_("Discord role id"), max_length=20)
    price_cents = models.BigIntegerField(_("price (cents)"))
    currency = models.CharField(_("currency"), max_length=3, default="BRL")
    period = models.CharField(_("period"), max_length=10, choices=Period.choices,
                              default=Period.MONTHLY)
    trial_days = models.PositiveSmallIntegerField(_("trial days"), default=0)
    kofi_tier_name = models.CharField(_("Ko-fi tier name"), max_length=100, blank=True)
    active = models.BooleanField(_("on sale"), default=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership tier")
        verbose_name_plural = _("membership tiers")
        ordering = ["sort", "price_cents", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price_cents__gt=0),
                                   name="tier_price_positive"),
            models.UniqueConstraint(fields=["tenant", "name"], name="tier_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def months(self) -> int:
        return self.MONTHS[self.period]

    def delta(self) -> relativedelta:
        return relativedelta(months=self.months)

    @property
    def price_display(self) -> str:
        return format_money(self.price_cents, self.currency)

    @property
    def monthly_cents(self) -> int:
        """What this tier adds to MRR (yearly and quarterly prices spread per month)."""
        return round(self.price_cents / self.months)


def _hook_id() -> str:
    return secrets.token_urlsafe(18)


class MembershipSettings(TenantOwnedModel):
    """Per shop: when to remind, how long grace lasts, DM templates, the Ko-fi connection."""

    reminder_days = models.PositiveSmallIntegerField(_("renewal reminder (days before)"),
                                                     default=3)
    grace_days = models.PositiveSmallIntegerField(_("grace period (days)"), default=3)
    dunning_max = models.PositiveSmallIntegerField(_("payment reminders after the due date"),
                                                   default=3)
    template_reminder = models.TextField(_("renewal reminder message"), blank=True)
    template_dunning = models.TextField(_("overdue payment message"), blank=True)
    template_ended = models.TextField(_("membership ended message"), blank=True)
    kofi_token = EncryptedTextField(_("Ko-fi verification token"), blank=True, default="")
    kofi_hook_id = models.CharField(_("Ko-fi webhook id"), max_length=40, unique=True,
                                    default=_hook_id)
    kofi_donation_tier = models.ForeignKey(Tier, null=True, blank=True,
                                           on_delete=models.SET_NULL, related_name="+",
                                           verbose_name=_("tier for Ko-fi donations"))
    kofi_donation_min_cents = models.BigIntegerField(_("minimum Ko-fi donation (cents)"),
                                                     default=0)
    kofi_donation_days = models.PositiveSmallIntegerField(_("days a donation grants"),
                                                          default=30)

    class Meta:
        verbose_name = _("membership settings")
        verbose_name_plural = _("membership settings")
        constraints = [models.UniqueConstraint(fields=["tenant"],
                                               name="membership_settings_one_per_tenant")]

    def __str__(self) -> str:
        return str(self.tenant_id)


class Member(TenantOwnedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting first payment")
        TRIALING = "trialing", _("Trialing")
        ACTIVE = "active", pgettext_lazy("membership status", "Active")
        PAST_DUE = "past_due", pgettext_lazy("membership status", "Past due")
        CANCELLED = "cancelled", pgettext_lazy("membership status", "Cancelled")
        ENDED = "ended", pgettext_lazy("membership status", "Ended")

    class Method(models.TextChoices):
        PIX = "pix", "PIX"
        CARD = "card", _("Card (automatic)")
        KOFI = "kofi", "Ko-fi"
        MANUAL = "manual", _("Manual")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey("sales.Customer", on_delete=models.PROTECT,
                                 related_name="memberships", verbose_name=_("customer"))
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="members",
                             verbose_name=_("tier"))
    next_tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("tier from next period"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.ACTIVE, db_index=True)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices,
                              default=Method.PIX)
    current_period_start = models.DateTimeField(_("period start"))
    current_period_end = models.DateTimeField(_("period end"))
    grace_ends_at = models.DateTimeField(_("grace ends"), null=True, blank=True)
    dunning_sent = models.PositiveSmallIntegerField(_("overdue reminders sent"), default=0)
    reminded_for = models.DateTimeField(_("reminded for period ending"), null=True, blank=True)
    due_at = models.DateTimeField(_("next check"), null=True, blank=True)
    role_id_granted = models.CharField(_("role granted"), max_length=20, blank=True)
    preapproval_id = models.CharField(_("Mercado Pago subscription id"), max_length=64,
                                      blank=True)
    kofi_email = models.EmailField(_("Ko-fi email"), blank=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["-started_at", "-id"]
        constraints = [
            # One live membership per buyer and shop; ended ones stay as history.
            models.UniqueConstraint(fields=["tenant", "customer"],
                                    condition=~models.Q(status="ended"),
                                    name="member_one_live_per_customer"),
        ]
        indexes = [models.Index(fields=["due_at"], name="member_due",
                                condition=models.Q(due_at__isnull=False))]

    def __str__(self) -> str:
        return f"{self.customer} · {self.tier}"

    @property
    def has_access(self) -> bool:
        return self.status != self.Status.ENDED


class MemberCharge(TenantOwnedModel):
    """One amount a member owes (subscribe, renewal, upgrade): the payable of its payments."""

    class Kind(models.TextChoices):
        SUBSCRIBE = "subscribe", _("Subscription")
        RENEWAL = "renewal", _("Renewal")
        UPGRADE = "upgrade", _("Upgrade")

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="charges",
                               verbose_name=_("member"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("tier"))
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    currency = models.CharField(_("currency"), max_length=3, default="BRL")
    # The period this charge pays for (renewals: the next one).
    for_period_end = models.DateTimeField(_("for the period ending"), null=True, blank=True)
    payment_pk = models.BigIntegerField(_("payment"), null=True, blank=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    period_end_after = models.DateTimeField(_("paid until"), null=True, blank=True)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership charge")
        verbose_name_plural = _("membership charges")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_cents__gt=0),
                                   name="member_charge_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {format_money(self.amount_cents, self.currency)}"

    # -- the payments.services.Payable protocol --------------------------------------------
    def payment_amount_cents(self) -> int:
        return self.amount_cents

    def payment_description(self) -> str:
        return f"{self.tier.name} ({self.tier.get_period_display()})"[:200]

    def payment_payer_email(self) -> str:
        return f"member-{self.member.public_id}@members.vitrine.invalid"


class MemberEvent(TenantOwnedModel):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="events",
                               verbose_name=_("member"))
    kind = models.CharField(_("kind"), max_length=40)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("actor"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("membership event")
        verbose_name_plural = _("membership events")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.kind

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.kind, self.kind))

    @staticmethod
    def _status_label(value: str) -> str:
        return str(Member.Status(value).label) if value in Member.Status.values else value

    @property
    def from_label(self) -> str:
        return self._status_label(self.from_status)

    @property
    def to_label(self) -> str:
        return self._status_label(self.to_status)


EVENT_LABELS = {
    "trial.start": _("Trial started"),
    "subscribe": _("Subscribed, awaiting payment"),
    "subscribe.lapsed": _("First payment never arrived"),
    "paid.subscribe": _("First payment received"),
    "paid.renewal": _("Renewal paid"),
    "paid.upgrade": _("Upgrade paid"),
    "paid.after_end": _("Paid after a new subscription started"),
    "payment.refunded": _("Payment refunded"),
    "payment.charged_back": _("Payment charged back"),
    "cancel": _("Cancelled by the member"),
    "cancel.now": _("Cancelled while overdue"),
    "cancel.ended": _("Ended after cancelling"),
    "period.unpaid": _("Not paid by the due date"),
    "grace.ended": _("Grace ended: role removed"),
    "reminder.sent": _("Renewal reminder sent"),
    "dunning.sent": _("Overdue reminder sent"),
    "switch.trial": _("Tier switched during the trial"),
    "switch.scheduled": _("Tier switch scheduled for the next period"),
    "grant.new": _("Access given by hand"),
    "grant.extend": _("Access extended by hand"),
    "kofi.paid": _("Ko-fi payment"),
}


class MemberJob(TenantOwnedModel):
    """A Discord side effect (role add/remove, DM) run by the fulfillment queue (outbox)."""

    class Kind(models.TextChoices):
        ROLE_ADD = "role_add", _("Give role")
        ROLE_REMOVE = "role_remove", _("Remove role")
        DM = "dm", _("Direct message")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="jobs",
                               verbose_name=_("member"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    role_id = models.CharField(_("role"), max_length=20, blank=True)
    text = models.TextField(_("text"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("membership job")
        verbose_name_plural = _("membership jobs")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.state}"


class KofiEvent(TenantOwnedModel):
    """One Ko-fi webhook as received (verified by the shop's token), applied once."""

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        APPLIED = "applied", _("Applied")
        WAITING_LINK = "waiting_link", _("Waiting for the supporter to link Discord")
        IGNORED = "ignored", _("Ignored")

    kofi_transaction_id = models.CharField(_("Ko-fi transaction id"), max_length=100)
    message_id = models.CharField(_("message id"), max_length=100, blank=True)
    type = models.CharField(_("type"), max_length=20)
    email = models.EmailField(_("email"), blank=True)
    from_name = models.CharField(_("from"), max_length=100, blank=True)
    tier_name = models.CharField(_("tier name"), max_length=100, blank=True)
    amount_cents = models.BigIntegerField(_("amount (cents)"), default=0)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    is_subscription_payment = models.BooleanField(default=False)
    is_first_subscription_payment = models.BooleanField(default=False)
    paid_at = models.DateTimeField(_("paid at"))
    payload = models.JSONField(_("payload"), default=dict)
    state = models.CharField(_("state"), max_length=14, choices=State.choices,
                             default=State.RECEIVED)
    note = models.CharField(_("note"), max_length=200, blank=True)
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="kofi_events", verbose_name=_("member"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Ko-fi event")
        verbose_name_plural = _("Ko-fi events")
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "kofi_transaction_id"],
                                               name="kofi_event_unique_transaction")]

    def __str__(self) -> str:
        return f"{self.type} {self.kofi_transaction_id}"


class KofiLink(TenantOwnedModel):
    """A Ko-fi email tied to a buyer's Discord account once they typed the one-time code."""

    email = models.EmailField(_("email"))
    customer = models.ForeignKey("sales.Customer", on_delete=models.CASCADE,
                                 related_name="kofi_links", verbose_name=_("customer"))
    code_hash = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    linked_at = models.DateTimeField(_("linked at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Ko-fi link")
        verbose_name_plural = _("Ko-fi links")
        constraints = [models.UniqueConstraint(fields=["tenant", "email", "customer"],
                                               name="kofi_link_unique")]

    def __str__(self) -> str:
        return self.email
