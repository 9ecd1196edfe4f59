"""Affiliates: buyers who bring buyers. Commissions are money only in the ledger
(wallet/credit.py): posted to the affiliate's store credit when the sale's hold is released."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenants.scoping import TenantOwnedModel


class Affiliate(TenantOwnedModel):
    customer = models.OneToOneField("sales.Customer", verbose_name=_("buyer"),
                                    on_delete=models.PROTECT, related_name="affiliate")
    code = models.CharField(_("code"), max_length=16)
    clicks = models.PositiveIntegerField(_("uses of the code"), default=0)
    # Commissions reversed after the affiliate had spent them: paid from later commissions.
    debt_cents = models.BigIntegerField(_("debt (centavos)"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("affiliate")
        verbose_name_plural = _("affiliates")
        constraints = [models.UniqueConstraint(fields=["tenant", "code"],
                                               name="affiliates_code_unique"),
                       models.CheckConstraint(condition=Q(debt_cents__gte=0),
                                              name="affiliates_debt_non_negative")]

    def __str__(self) -> str:
        return self.code


class Referral(TenantOwnedModel):
    """The affiliate whose code a buyer used last (the next paid orders are theirs)."""

    customer = models.OneToOneField("sales.Customer", verbose_name=_("buyer"),
                                    on_delete=models.CASCADE, related_name="referral")
    affiliate = models.ForeignKey(Affiliate, verbose_name=_("affiliate"),
                                  on_delete=models.CASCADE, related_name="referrals")
    created_at = models.DateTimeField(_("created"), auto_now=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")


class Commission(TenantOwnedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the sale's release")
        POSTED = "posted", _("paid to the affiliate's balance")
        CANCELLED = "cancelled", _("cancelled (refunded before release)")
        REVERSED = "reversed", _("reversed (refunded after release)")

    order = models.OneToOneField("sales.Order", verbose_name=_("order"),
                                 on_delete=models.PROTECT, related_name="commission")
    affiliate = models.ForeignKey(Affiliate, verbose_name=_("affiliate"),
                                  on_delete=models.PROTECT, related_name="commissions")
    amount_cents = models.BigIntegerField(_("amount (centavos)"))
    # What partial refunds took back so far (services.commission_follow_refund): the affiliate
    # earns amount - reversed; at most amount, by construction and by the database.
    reversed_cents = models.BigIntegerField(_("reversed (centavos)"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    posted_at = models.DateTimeField(_("posted"), null=True, blank=True)

    class Meta:
        verbose_name = _("commission")
        verbose_name_plural = _("commissions")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount_cents__gt=0),
                                              name="affiliates_commission_positive"),
                       models.CheckConstraint(condition=Q(reversed_cents__gte=0)
                                              & Q(reversed_cents__lte=models.F("amount_cents")),
                                              name="affiliates_commission_reversed_in_range")]

    def __str__(self) -> str:
        return f"commission #{self.pk}"

    @property
    def earned_cents(self) -> int:
        return self.amount_cents - self.reversed_cents


class Click(TenantOwnedModel):
    """One counted click on an affiliate's link (/a/<code>/<post>): which affiliate, which post,
    when. Nothing about the visitor (no address, no browser): links.py counts and filters them
    without keeping any."""

    affiliate = models.ForeignKey(Affiliate, verbose_name=_("affiliate"),
                                  on_delete=models.CASCADE, related_name="link_clicks")
    post = models.ForeignKey("catalog.ProductPost", verbose_name=_("post"), null=True,
                             blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("clicked"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("link click")
        verbose_name_plural = _("link clicks")


class LinkVisit(TenantOwnedModel):
    """A buyer who came through an affiliate's link, known by Discord (the link's sign-in):
    bound as their referral when they next open a cart in this shop, if within the window."""

    affiliate = models.ForeignKey(Affiliate, verbose_name=_("affiliate"),
                                  on_delete=models.CASCADE, related_name="link_visits")
    discord_user_id = models.CharField(_("Discord user id"), max_length=20, db_index=True)
    post = models.ForeignKey("catalog.ProductPost", verbose_name=_("post"), null=True,
                             blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("visited"), auto_now_add=True)
    expires_at = models.DateTimeField(_("attribution ends"))
    bound_at = models.DateTimeField(_("bound to a cart"), null=True, blank=True)

    class Meta:
        verbose_name = _("link visit")
        verbose_name_plural = _("link visits")
        ordering = ["-created_at", "-id"]
