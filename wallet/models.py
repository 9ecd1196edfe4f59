"""The wallet: a double-entry ledger of centavos held for shop owners.

Sign convention: every Entry has a positive `amount_cents` and a `side` (debit or credit); a
transaction balances when its debits equal its credits. Each account keeps a running
`balance_cents` in its *normal* side: debit-normal accounts (`clearing`) grow with debits,
credit-normal ones (tenant `pending`/`available`/`withdrawing`, platform `fees`, `payouts`,
`refunds`) grow with credits. Because every transaction balances, the books always close:

    clearing (gross received) = tenant balances + fees + payouts + refunds

(the issue writes "- refunds" for the same identity with `refunds` signed debit-positive.)

Entries and transactions are append-only: PostgreSQL refuses UPDATE and DELETE on them and
checks, at commit, that each transaction balances (migration 0002). Running balances are moved
by PostgreSQL's posting trigger as entries are inserted, and by nothing else; entries go only
into a transaction opened by the same database transaction; a posting may leave `available`
below zero only as a refund or chargeback (migration 0003). Every kind but `available` stays
non-negative (a CHECK constraint, on SQLite too).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from money import format_money
from tenants.scoping import TenantOwnedModel, TenantScopedManager

CURRENCY = "BRL"
# Currencies the ledger books sales in, each in its own set of accounts (wallet.services takes
# `currency` everywhere; amounts in different currencies are never added). Sales refuses a
# checkout in any other. Withdrawals are PIX, so in reais only.
LEDGER_CURRENCIES = (CURRENCY, "USD", "EUR")


class Side(models.TextChoices):
    DEBIT = "D", _("debit")
    CREDIT = "C", _("credit")


class AccountKind(models.TextChoices):
    PENDING = "pending", _("pending")
    AVAILABLE = "available", _("available")
    WITHDRAWING = "withdrawing", _("withdrawing")
    CLEARING = "clearing", _("clearing")
    FEES = "fees", _("fees")
    PAYOUTS = "payouts", _("payouts")
    REFUNDS = "refunds", _("refunds")
    # Store credit (wallet/credit.py): what the shop owes its buyers, a liability of the shop.
    CREDIT = "credit", _("store credit owed to buyers")
    CREDIT_RESERVED = "credit_reserved", _("store credit applied to unpaid orders")
    GIFTCARDS = "giftcards", _("gift cards not yet redeemed")
    # Affiliates' commissions (affiliates/): owed to each affiliate until they withdraw them by
    # PIX or move them to their store credit; `commissions_out` holds a requested withdrawal.
    COMMISSIONS = "commissions", _("affiliate commissions owed")
    COMMISSIONS_OUT = "commissions_out", _("affiliate commissions being paid out")
    # A shop's sales paid straight into its own provider account (Mercado Pago connected
    # account): the shop's share, never held nor paid out by the platform (wallet/settled.py).
    SETTLED = "settled", _("settled at the provider")


# Money the platform holds for a tenant (balances, withdrawals, platform_totals' "held").
TENANT_KINDS = (AccountKind.PENDING, AccountKind.AVAILABLE, AccountKind.WITHDRAWING)
# A tenant's accounts for money the platform never held (created on first use, apart).
SETTLED_KINDS = (AccountKind.SETTLED,)
PLATFORM_KINDS = (AccountKind.CLEARING, AccountKind.FEES, AccountKind.PAYOUTS,
                  AccountKind.REFUNDS)
# The shop's liabilities to its buyers, each split by holder in wallet.credit.CreditHolding.
# Kept out of TENANT_KINDS: those are the owner's own money (balances(), withdrawals).
CREDIT_KINDS = (AccountKind.CREDIT, AccountKind.CREDIT_RESERVED, AccountKind.GIFTCARDS,
                AccountKind.COMMISSIONS, AccountKind.COMMISSIONS_OUT)
DEBIT_NORMAL = frozenset({AccountKind.CLEARING})
# The one kind allowed below zero. A refund or chargeback after the money was released takes it
# from `available` (the sale's pending part is gone): the negative balance *is* the tenant's debt
# to the platform, recorded nowhere else. It blocks withdrawals and later sales cover it
# (services.sale_reverse, withdrawal_request; selectors.platform_totals reports it as `debt`).
# Every other kind only ever holds money that exists: pending (unreleased holds), withdrawing
# (requested withdrawals), and the platform's clearing, fees, payouts and refunds.
MAY_GO_NEGATIVE = frozenset({AccountKind.AVAILABLE})
# Platform kinds that every sale posts to. Each is split into PLATFORM_SHARDS rows ("shards")
# and a sale uses the one its tenant's id picks (services.platform_account), so concurrent sales
# of different shops lock different rows instead of all queueing on one clearing and one fees
# row (issue 25: that lock capped the whole platform near 40 sales/s). The kind's balance is the
# sum of its shards (selectors.platform_balance, platform_totals); the books-close identity holds
# over the sums, and every shard keeps its kind's rule on its own (never negative). Kinds posted
# rarely (payouts, refunds) keep one row: their per-account rules (payouts = paid withdrawals)
# stay simple.
SHARDED_KINDS = frozenset({AccountKind.CLEARING, AccountKind.FEES})
PLATFORM_SHARDS = 16


class Account(models.Model):
    """A tenant's pending/available/withdrawing, or a platform account (tenant is null)."""

    tenant = models.ForeignKey("tenants.Tenant", verbose_name=_("tenant"), null=True,
                               blank=True, on_delete=models.PROTECT,
                               related_name="wallet_accounts")
    kind = models.CharField(_("kind"), max_length=20, choices=AccountKind.choices)
    currency = models.CharField(_("currency"), max_length=3, default=CURRENCY)
    # Running total in the account's normal side, moved with each posting under a row lock: by
    # PostgreSQL's posting trigger (a direct UPDATE is refused there), by post_once on SQLite.
    balance_cents = models.BigIntegerField(_("balance (centavos)"), default=0)
    # Which of a sharded platform kind's rows this is (SHARDED_KINDS); 0 for every other account.
    shard = models.PositiveSmallIntegerField(_("shard"), default=0, db_default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "kind", "currency"],
                                    condition=Q(tenant__isnull=False),
                                    name="wallet_account_unique_tenant_kind"),
            models.UniqueConstraint(fields=["kind", "currency", "shard"],
                                    condition=Q(tenant__isnull=True),
                                    name="wallet_account_unique_platform_kind_shard"),
            models.CheckConstraint(
                condition=Q(shard=0) | Q(tenant__isnull=True,
                                         kind__in=sorted(k.value for k in SHARDED_KINDS)),
                name="wallet_account_shard_only_platform_sharded_kinds"),
            models.CheckConstraint(
                condition=(Q(tenant__isnull=True, kind__in=[k.value for k in PLATFORM_KINDS])
                           | Q(tenant__isnull=False,
                        kind__in=[k.value for k in TENANT_KINDS + CREDIT_KINDS
                                                + SETTLED_KINDS])),
                name="wallet_account_kind_matches_owner"),
            models.CheckConstraint(
                condition=(Q(kind__in=[k.value for k in MAY_GO_NEGATIVE])
                           | Q(balance_cents__gte=0)),
                name="wallet_account_balance_non_negative"),
        ]

    def __str__(self) -> str:
        owner = self.tenant.slug if self.tenant_id else "platform"
        if self.shard:
            return f"{owner}:{self.kind}:{self.shard}"
        return f"{owner}:{self.kind}"  # a code: wallet_verify and operators name accounts so

    @property
    def debit_normal(self) -> bool:
        return self.kind in DEBIT_NORMAL


class LedgerTransaction(models.Model):
    """One business event's balanced set of entries, posted once per `key`."""

    class Kind(models.TextChoices):
        SALE = "sale", _("sale")
        RELEASE = "release", _("release")
        REFUND = "refund", _("refund")
        CHARGEBACK = "chargeback", _("chargeback")
        WITHDRAWAL = "withdrawal", _("withdrawal request")
        WITHDRAWAL_CANCEL = "withdrawal_cancel", _("withdrawal cancelled")
        WITHDRAWAL_PAID = "withdrawal_paid", _("withdrawal paid")
        WITHDRAWAL_REJECT = "withdrawal_reject", _("withdrawal rejected")
        # Store credit (wallet/credit.py)
        TOPUP = "topup", _("store credit top-up")
        CREDIT_APPLY = "credit_apply", _("store credit applied to an order")
        CREDIT_SPEND = "credit_spend", _("sale paid with store credit")
        CREDIT_RETURN = "credit_return", _("store credit given back")
        GIFTCARD_ISSUE = "giftcard_issue", _("gift card issued")
        GIFTCARD_REDEEM = "giftcard_redeem", _("gift card redeemed")
        COMMISSION = "commission", _("affiliate commission")
        COMMISSION_REVERSE = "commission_back", _("affiliate commission reversed")
        COMMISSION_TO_CREDIT = "commission_credit", _("affiliate commission moved to store "
                                                      "credit")
        SETTLED_SALE = "settled_sale", _("sale settled at the provider")
        OTHER = "other", _("other")

    key = models.CharField(_("posting key"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    tenant = models.ForeignKey("tenants.Tenant", verbose_name=_("tenant"), null=True,
                               blank=True, on_delete=models.PROTECT,
                               related_name="wallet_transactions")
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("posted"), auto_now_add=True, db_index=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.key

    @property
    def reference(self) -> str:
        """The posting key ("sale:12", "withdrawal:3:request") as words for the statement."""
        parts = self.key.split(":")
        labels = {("sale", 2): _("Payment #%(id)s"), ("release", 2): _("Release of entry #%(id)s"),
                  ("refund", 2): _("Refund #%(id)s"), ("withdrawal", 3): _("Withdrawal #%(id)s")}
        by_payment = {"refund": _("Refund of payment #%(id)s"),
                      "chargeback": _("Chargeback of payment #%(id)s")}
        if len(parts) == 3 and parts[1] == "payment" and parts[0] in by_payment:
            return str(by_payment[parts[0]]) % {"id": parts[2]}
        label = labels.get((parts[0], len(parts)))
        return str(label) % {"id": parts[1]} if label else self.key


class Entry(models.Model):
    """One side of a transaction on one account. Positive amount; never updated or deleted."""

    transaction = models.ForeignKey(LedgerTransaction, verbose_name=_("transaction"),
                                    on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.PROTECT,
                                related_name="entries")
    # Denormalised from the account so a tenant's statement is one indexed, scoped query.
    tenant = models.ForeignKey("tenants.Tenant", verbose_name=_("tenant"), null=True,
                               blank=True, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(_("side"), max_length=1, choices=Side.choices)
    amount_cents = models.BigIntegerField(_("amount (centavos)"))
    created_at = models.DateTimeField(_("posted"), auto_now_add=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-id"]
        indexes = [models.Index(fields=["account", "-id"], name="wallet_entry_account_id"),
                   models.Index(fields=["tenant", "-id"], name="wallet_entry_tenant_id")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0),
                                   name="wallet_entry_amount_positive"),
            models.CheckConstraint(condition=Q(side__in=["D", "C"]), name="wallet_entry_side"),
        ]

    def __str__(self) -> str:
        return f"{self.get_side_display()} {format_money(self.amount_cents)} · {self.account}"

    @property
    def signed_cents(self) -> int:
        """The entry's effect on its account's normal-side balance."""
        grows = (self.side == Side.DEBIT) == (self.account.kind in DEBIT_NORMAL)
        return self.amount_cents if grows else -self.amount_cents


class Hold(TenantOwnedModel):
    """A sale's net, pending until `release_at`. Reversals taken from pending shrink holds, so
    the unreleased `remaining_cents` of a tenant always add up to its `pending` balance."""

    transaction = models.OneToOneField(LedgerTransaction, verbose_name=_("sale"),
                                       on_delete=models.PROTECT, related_name="hold")
    payment_id = models.BigIntegerField(_("payment"), null=True, blank=True, db_index=True)
    method = models.CharField(_("method"), max_length=20, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default=CURRENCY)
    amount_cents = models.BigIntegerField(_("amount (centavos)"))
    remaining_cents = models.BigIntegerField(_("still pending (centavos)"))
    release_at = models.DateTimeField(_("release at"), db_index=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        ordering = ["release_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(remaining_cents__gte=0)
                                   & Q(remaining_cents__lte=models.F("amount_cents")),
                                   name="wallet_hold_remaining_in_range"),
        ]

    def __str__(self) -> str:
        return gettext("Hold #%(id)s · %(amount)s") % {"id": self.pk,
                                                      "amount": format_money(self.remaining_cents)}


class SettledSale(TenantOwnedModel):
    """A sale the provider paid straight to the shop's own account, with the platform's fee
    split off at source: what later refunds and chargebacks may still reverse of it."""

    transaction = models.OneToOneField(LedgerTransaction, verbose_name=_("sale"),
                                       on_delete=models.PROTECT, related_name="settled_sale")
    payment_id = models.BigIntegerField(_("payment"), unique=True)
    method = models.CharField(_("method"), max_length=20, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default=CURRENCY)
    gross_cents = models.BigIntegerField(_("gross (centavos)"))
    fee_cents = models.BigIntegerField(_("platform fee (centavos)"))
    reversed_cents = models.BigIntegerField(_("reversed (centavos)"), default=0)
    fee_returned_cents = models.BigIntegerField(_("fee returned (centavos)"), default=0)

    class Meta:
        verbose_name = _("sale settled at the provider")
        verbose_name_plural = _("sales settled at the provider")
        constraints = [
            models.CheckConstraint(
                condition=Q(fee_cents__gte=0) & Q(fee_cents__lt=F("gross_cents"))
                & Q(reversed_cents__gte=0) & Q(reversed_cents__lte=F("gross_cents"))
                & Q(fee_returned_cents__gte=0) & Q(fee_returned_cents__lte=F("fee_cents")),
                name="wallet_settled_sale_amounts_in_range"),
        ]

    def __str__(self) -> str:
        return gettext("Settled sale of payment #%(id)s · %(amount)s") % {
            "id": self.payment_id, "amount": format_money(self.gross_cents, self.currency)}


class PixKeyType(models.TextChoices):
    CPF = "cpf", _("CPF")
    CNPJ = "cnpj", _("CNPJ")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    EVP = "evp", _("Random key")


class Withdrawal(TenantOwnedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        PAID = "paid", _("paid")
        REJECTED = "rejected", _("rejected")
        CANCELLED = "cancelled", _("cancelled")

    amount_cents = models.BigIntegerField(_("amount (centavos)"))
    currency = models.CharField(_("currency"), max_length=3, default=CURRENCY)
    pix_key_type = models.CharField(_("PIX key type"), max_length=10, choices=PixKeyType.choices)
    pix_key = models.CharField(_("PIX key"), max_length=140)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.PENDING, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                     null=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    reference = models.CharField(_("transfer reference"), max_length=120, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # The owner's notification, messages-style: shown once on the Wallet page, then cleared.
    owner_unseen = models.BooleanField(_("unseen by the owner"), default=False)
    # Who is paid: "" the shop itself (from its available balance); a sub-ledger holder
    # ("customer:<id>") an affiliate of the shop, from their commissions (wallet.credit).
    payee = models.CharField(_("payee"), max_length=40, blank=True, default="")
    # The caller's idempotency key (an affiliate's Discord interaction): one request, one row.
    request_key = models.CharField(_("request key"), max_length=80, blank=True, default="")

    class Meta:
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount_cents__gt=0),
                                              name="wallet_withdrawal_amount_positive"),
                       models.UniqueConstraint(fields=["tenant", "request_key"],
                                               condition=~Q(request_key=""),
                                               name="wallet_withdrawal_request_once")]

    def __str__(self) -> str:
        return gettext("Withdrawal #%(id)s · %(amount)s") % {
            "id": self.pk, "amount": format_money(self.amount_cents)}

    @property
    def for_shop(self) -> bool:
        return not self.payee

    def step_key(self, step: str) -> str:
        return f"withdrawal:{self.pk}:{step}"


# The store-credit sub-ledger lives in its own module (other features edit this one).
from wallet.credit_models import CreditHolding, CreditMovement  # noqa: E402, F401
