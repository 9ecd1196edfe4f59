"""The store-credit sub-ledger: who, inside a shop, each centavo of its credit accounts is owed to.

A shop's `credit`, `credit_reserved` and `giftcards` accounts (wallet.models.CREDIT_KINDS) hold
one total each; a CreditHolding splits that total by holder:

- `credit`: one holding per buyer ("customer:<sales customer id>", an opaque id to the wallet,
  which sits below sales and knows no customers);
- `credit_reserved`: one per unpaid order that applied credit ("order:<id>");
- `giftcards`: one per issued, unredeemed gift card ("giftcard:<id>").

Holdings move only together with a ledger posting (wallet.credit.credit_post), each move a
CreditMovement of that posting, so wallet_verify can check that every credit account equals the
sum of its holdings and every holding the sum of its movements.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenants.scoping import TenantOwnedModel


class CreditHolding(TenantOwnedModel):
    kind = models.CharField(_("account kind"), max_length=20)
    holder = models.CharField(_("holder"), max_length=40)
    balance_cents = models.BigIntegerField(_("balance (centavos)"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("store credit holding")
        verbose_name_plural = _("store credit holdings")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "kind", "holder"],
                                    name="wallet_credit_holding_unique"),
            # Nobody is ever owed less than nothing: a spend beyond the balance is refused.
            models.CheckConstraint(condition=Q(balance_cents__gte=0),
                                   name="wallet_credit_holding_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.holder}"


class CreditMovement(TenantOwnedModel):
    holding = models.ForeignKey(CreditHolding, verbose_name=_("holding"),
                                on_delete=models.PROTECT, related_name="movements")
    transaction = models.ForeignKey("wallet.LedgerTransaction", verbose_name=_("transaction"),
                                    on_delete=models.PROTECT, related_name="credit_movements")
    delta_cents = models.BigIntegerField(_("change (centavos)"))
    created_at = models.DateTimeField(_("posted"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("store credit movement")
        verbose_name_plural = _("store credit movements")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["holding", "transaction"],
                                    name="wallet_credit_movement_once"),
            models.CheckConstraint(condition=~Q(delta_cents=0),
                                   name="wallet_credit_movement_non_zero"),
        ]
