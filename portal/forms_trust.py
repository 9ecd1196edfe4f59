"""Forms of the trust pages: review filters, reply and hide, blocklist, risk rules."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from money import to_major
from portal.forms_catalog import MoneyField, _cents
from sales.api.serializers import DISCORD_ID_RE

STAR_CHOICES = [("", _("All")), *[(str(n), "★" * n) for n in range(5, 0, -1)]]
VISIBILITY = [("", _("All")), ("visible", _("Visible")), ("hidden", _("Hidden"))]


class ReviewFilterForm(forms.Form):
    stars = forms.TypedChoiceField(label=_("Stars"), required=False, choices=STAR_CHOICES,
                                   coerce=int, empty_value=None)
    product = forms.TypedChoiceField(label=_("Product"), required=False, coerce=int,
                                     empty_value=None)
    date_from = forms.DateField(label=_("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    hidden = forms.ChoiceField(label=_("Visibility"), required=False, choices=VISIBILITY)

    def __init__(self, *args, products=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", _("All")),
                                          *[(str(p.pk), p.name) for p in products]]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"stars": data.get("stars"), "product_id": data.get("product"),
                "date_from": data.get("date_from"), "date_to": data.get("date_to"),
                "hidden": data.get("hidden") or ""}


class ReviewReplyForm(forms.Form):
    reply = forms.CharField(label=_("Public reply"), required=False, max_length=1000,
                            widget=forms.Textarea(attrs={"rows": 2}))


class ReviewHideForm(forms.Form):
    reason = forms.CharField(label=_("Why hide it"), max_length=200, help_text=_(
        "Kept in the audit log; buyers only see that the shop hid the review."))


class ReviewSettingsForm(forms.Form):
    reviews_enabled = forms.BooleanField(label=_("Ask buyers for a review after delivery"),
                                         required=False)
    reviews_channel_id = forms.RegexField(
        label=_("Reviews channel id"), regex=DISCORD_ID_RE, required=False, max_length=20,
        help_text=_("Reviews are posted there as they arrive. Empty: not posted."))


class BlockForm(forms.Form):
    discord_user_id = forms.RegexField(label=_("Discord user id"), regex=DISCORD_ID_RE,
                                       required=False, max_length=20)
    payer_email = forms.EmailField(label=_("Payer email (card)"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200)
    expires_at = forms.DateTimeField(
        label=_("Until"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: until you remove it."))

    def clean_expires_at(self):
        value = self.cleaned_data.get("expires_at")
        if value is not None and value <= timezone.now():
            raise forms.ValidationError(_("Choose a moment in the future."))
        return value

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("discord_user_id") and not data.get("payer_email"):
            raise forms.ValidationError(_("Give a Discord user id or a payer email."))
        return data


def _money(label, help_text=""):
    return MoneyField(label=label, required=False, min_value=Decimal("0.01"),
                      decimal_places=2, help_text=help_text)


class RiskRulesForm(forms.Form):
    min_account_age_days = forms.IntegerField(
        label=_("Minimum Discord account age (days)"), required=False, min_value=1,
        max_value=3650, help_text=_("Accounts created more recently cannot buy."))
    max_orders_per_hour = forms.IntegerField(label=_("Orders per buyer per hour"),
                                             required=False, min_value=1, max_value=1000)
    max_orders_per_day = forms.IntegerField(label=_("Orders per buyer per day"),
                                            required=False, min_value=1, max_value=10000)
    max_amount_per_hour = _money(_("Amount per buyer per hour (R$)"))
    max_amount_per_day = _money(_("Amount per buyer per day (R$)"))
    review_first_purchase_above = MoneyField(
        label=_("Manual review of a first purchase above (R$)"), required=False,
        min_value=Decimal("0"), decimal_places=2,
        help_text=_("The order is paid but waits for your approval before delivery."))

    MONEY = {"max_amount_per_hour": "max_amount_per_hour_cents",
             "max_amount_per_day": "max_amount_per_day_cents",
             "review_first_purchase_above": "review_first_purchase_above_cents"}

    @classmethod
    def initial_for(cls, settings) -> dict:
        if settings is None:
            return {}
        initial = {name: getattr(settings, name) for name in
                   ("min_account_age_days", "max_orders_per_hour", "max_orders_per_day")}
        for field, column in cls.MONEY.items():
            cents = getattr(settings, column)
            # "500,00" in pt-BR, "500.00" in English: what the owner would type.
            initial[field] = number_format(to_major(cents, "BRL"), decimal_pos=2) \
                if cents is not None else None
        return initial

    def values(self) -> dict:
        """The service's keyword arguments (amounts in centavos, None where a rule is off)."""
        data = self.cleaned_data
        values = {name: data.get(name) for name in
                  ("min_account_age_days", "max_orders_per_hour", "max_orders_per_day")}
        for field, column in self.MONEY.items():
            value = data.get(field)
            values[column] = _cents(value) if value is not None else None
        return values
