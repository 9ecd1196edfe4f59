from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tenants.scoping import TenantOwnedModel, TenantScopedManager


class User(AbstractUser):
    """A person: shop owners sign in with Discord, operators with email and password."""

    email = models.EmailField(_("email address"), blank=True)
    preferred_language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.first_name or self.username


class Tenant(models.Model):
    """A shop instance: one Discord server, one bot, one catalog, one wallet."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        ARCHIVED = "archived", _("Archived")

    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
        related_name="owned_tenants",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.ACTIVE, db_index=True)
    locale = models.CharField(_("bot language"), max_length=10, choices=settings.LANGUAGES,
                              default="pt-br")
    currency = models.CharField(_("currency"), max_length=3, default="BRL")
    # The Discord server the shop sells in, set when staff run /vincular with the API key.
    discord_guild_id = models.CharField(_("Discord server id"), max_length=20, blank=True,
                                        default="", db_index=True)
    staff_role_id = models.CharField(_("staff role id"), max_length=20, blank=True, default="")
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("instance")
        verbose_name_plural = _("instances")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_writable(self) -> bool:
        return self.status == self.Status.ACTIVE


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    VIEWER = "viewer", _("Viewer")


ROLE_RANK = {Role.VIEWER: 1, Role.MANAGER: 2, Role.OWNER: 3}


class Membership(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships",
                               verbose_name=_("instance"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="membership_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant} ({self.role})"

    def allows(self, role: str) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(role)]


class InstanceToken(models.Model):
    """An API key for one tenant's bot: `vtr_<lookup>_<secret>`, stored as a SHA-256 hash.

    The lookup part is indexed so authentication is one indexed read plus a constant-time compare;
    the secret has 256 bits of entropy, so a fast hash is the right tool (no password stretching).
    """

    PREFIX = "vtr"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="instance_tokens",
                               verbose_name=_("instance"))
    name = models.CharField(_("name"), max_length=60, default="bot")
    lookup = models.CharField(max_length=16, unique=True, verbose_name=_("lookup"))
    secret_hash = models.CharField(max_length=64, verbose_name=_("secret hash"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("instance token")
        verbose_name_plural = _("instance tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.PREFIX}_{self.lookup}_…"

    @property
    def display_prefix(self) -> str:
        return f"{self.PREFIX}_{self.lookup}_"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()


# --- Plans and billing (issue 9). Services live in tenants/billing/. -------------------------
class Plan(models.Model):
    """A product on the pricing ladder (Free trial, Start, Pro). Prices live in its versions."""

    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    description = models.TextField(_("public description"), blank=True)
    sort = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_trial = models.BooleanField(_("trial plan"), default=False)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["sort", "pk"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        # Seeded names and descriptions are msgids (config/i18n_extras.py); an operator's own
        # text has no entry and reads as typed.
        return gettext(self.name)

    @property
    def display_description(self) -> str:
        return gettext(self.description) if self.description else ""

    def current_version(self) -> PlanVersion | None:
        return self.versions.filter(active=True).order_by("-version").first()


class PlanVersion(models.Model):
    """One price and feature set of a plan. A price change is a new version: subscribers keep
    theirs until they renew; inactive versions cannot be bought."""

    class Interval(models.TextChoices):
        DAY = "day", _("days")
        MONTH = "month", _("months")

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="versions",
                             verbose_name=_("plan"))
    version = models.PositiveIntegerField(_("version"), default=1)
    price_cents = models.BigIntegerField(_("price (centavos)"), default=0)
    currency = models.CharField(_("currency"), max_length=3, default="BRL")
    interval = models.CharField(_("interval"), max_length=8, choices=Interval.choices,
                                default=Interval.MONTH)
    interval_count = models.PositiveSmallIntegerField(_("interval length"), default=1)
    active = models.BooleanField(_("on sale"), default=True)
    # Features and quotas; an empty quota means unlimited.
    max_instances = models.PositiveIntegerField(_("max instances per account"), null=True,
                                                blank=True)
    max_active_products = models.PositiveIntegerField(_("max active products"), null=True,
                                                      blank=True)
    max_orders_per_month = models.PositiveIntegerField(_("max orders per month"), null=True,
                                                       blank=True)
    fee_percent = models.DecimalField(_("sales fee (%)"), max_digits=5, decimal_places=2,
                                      default=0)
    hold_days_pix = models.PositiveSmallIntegerField(_("withdrawal hold, PIX (days)"), default=0)
    hold_days_card = models.PositiveSmallIntegerField(_("withdrawal hold, card (days)"),
                                                      default=14)
    memory_mb = models.PositiveIntegerField(_("bot memory (MB)"), default=256)
    cpu = models.DecimalField(_("bot CPUs"), max_digits=4, decimal_places=2, default=0.25)
    card_payments = models.BooleanField(_("card payments"), default=False)
    external_fulfillment = models.BooleanField(_("external fulfillment"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        ordering = ["plan__sort", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "version"], name="planversion_unique"),
            models.CheckConstraint(condition=models.Q(price_cents__gte=0),
                                   name="planversion_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.plan.display_name} v{self.version}"


class Subscription(TenantOwnedModel):
    """A tenant's plan: one per tenant. Every change is written as a SubscriptionEvent."""

    class Status(models.TextChoices):
        TRIALING = "trialing", _("Trial")
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Past due")
        SUSPENDED = "suspended", _("Suspended")
        CANCELED = "canceled", _("Canceled")

    plan_version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT,
                                     related_name="subscriptions", verbose_name=_("plan version"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.TRIALING, db_index=True)
    current_period_start = models.DateTimeField(_("period start"))
    current_period_end = models.DateTimeField(_("period end"), db_index=True)
    cancel_at_period_end = models.BooleanField(_("cancel at period end"), default=False)
    # A downgrade waits for the end of the period; the next renewal buys this version.
    next_version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+",
                                     verbose_name=_("next period's version"))
    reminded_3d_at = models.DateTimeField(null=True, blank=True,
                                          verbose_name=_("reminded 3 days before at"))
    reminded_1d_at = models.DateTimeField(null=True, blank=True,
                                          verbose_name=_("reminded 1 day before at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["current_period_end"]
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="subscription_one_per_tenant"),
        ]

    def __str__(self) -> str:
        return f"{self.tenant} · {self.plan_version}"

    # Payable protocol (payments.services.Payable). `checkout` is set by billing on the
    # instance it hands to payment_create; it says what this payment buys.
    checkout: SubscriptionCharge | None = None

    def payment_amount_cents(self) -> int:
        if self.checkout is not None:
            return self.checkout.amount_cents
        return self.plan_version.price_cents

    def payment_description(self) -> str:
        version = self.checkout.plan_version if self.checkout else self.plan_version
        return f"Vitrine {version.plan.display_name} · {self.tenant.name}"

    def payment_payer_email(self) -> str:
        return self.tenant.owner.email or f"owner-{self.tenant.owner_id}@vitrine.invalid"


class SubscriptionCharge(TenantOwnedModel):
    """What one plan payment buys (a renewal, a new plan, a prorated upgrade).

    `applied_at` is claimed with a conditional UPDATE, so an approval extends the period once
    however many times (and in whatever order) the payment's outcome arrives.
    """

    class Kind(models.TextChoices):
        RENEWAL = "renewal", _("Renewal")
        SUBSCRIBE = "subscribe", _("New plan")
        UPGRADE = "upgrade", _("Upgrade")

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE,
                                     related_name="charges", verbose_name=_("subscription"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    plan_version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("plan version"))
    amount_cents = models.BigIntegerField(_("amount (centavos)"))
    # The payments.Payment id, without a foreign key: tenants sits below payments.
    payment_pk = models.PositiveBigIntegerField(_("payment"), null=True, blank=True,
                                                unique=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    period_end_after = models.DateTimeField(_("paid until"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("plan charge")
        verbose_name_plural = _("plan charges")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_cents__gt=0),
                                   name="subscriptioncharge_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.plan_version} {self.amount_cents / 100:.2f}"


class SubscriptionEvent(TenantOwnedModel):
    """Append-only history of a subscription: every status, version and period change."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE,
                                     related_name="events", verbose_name=_("subscription"))
    kind = models.CharField(_("kind"), max_length=40)
    from_status = models.CharField(max_length=12, blank=True, verbose_name=_("from status"))
    to_status = models.CharField(max_length=12, blank=True, verbose_name=_("to status"))
    period_end = models.DateTimeField(null=True, blank=True, verbose_name=_("period end"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+", verbose_name=_("actor"))
    data = models.JSONField(default=dict, blank=True, verbose_name=_("data"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("subscription event")
        verbose_name_plural = _("subscription events")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} · {self.kind}"


class TrialClaim(models.Model):
    """A trial is given once per Discord account (or per user without one): the key is unique."""

    key = models.CharField(max_length=120, unique=True, verbose_name=_("key"))
    tenant = models.ForeignKey(Tenant, on_delete=models.SET_NULL, null=True, related_name="+",
                               verbose_name=_("instance"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("trial claim")
        verbose_name_plural = _("trial claims")

    def __str__(self) -> str:
        return self.key


class UsageCounter(TenantOwnedModel):
    """Metered usage per tenant per period (month start): orders, active products, instances."""

    metric = models.CharField(max_length=40, verbose_name=_("metric"))
    period = models.DateField(verbose_name=_("period"))
    value = models.BigIntegerField(default=0, verbose_name=_("value"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("usage counter")
        verbose_name_plural = _("usage counters")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "metric", "period"],
                                    name="usagecounter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.period}: {self.value}"
