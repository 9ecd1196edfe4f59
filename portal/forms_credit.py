"""Store-credit forms: the shop's top-up settings and a refund to the buyer's balance."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from credit.policy import LIMIT_CENTS
from portal.forms_wallet import parse_brl


class CreditSettingsForm(forms.Form):
    topup_enabled = forms.BooleanField(label=_("Buyers can top up their balance by PIX"),
                                       required=False)
    min_amount = forms.CharField(label=_("Minimum top-up (R$)"), max_length=20,
                                 widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    max_amount = forms.CharField(label=_("Maximum top-up (R$)"), max_length=20,
                                 widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    bonus_percent = forms.IntegerField(label=_("Bonus on each top-up (%)"), min_value=0,
                                       max_value=100, initial=0)

    def clean_min_amount(self) -> int:
        return parse_brl(self.cleaned_data["min_amount"])

    def clean_max_amount(self) -> int:
        value = parse_brl(self.cleaned_data["max_amount"])
        if value > LIMIT_CENTS:
            raise ValidationError(_("At most R$ 100.000,00 per top-up."))
        return value

    def clean(self) -> dict:
        data = super().clean()
        low, high = data.get("min_amount"), data.get("max_amount")
        if low is not None and high is not None and low > high:
            self.add_error("max_amount", _("The maximum must be at least the minimum."))
        return data


class CreditRefundForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
    amount = forms.CharField(label=_("Amount (empty for everything left)"), required=False,
                             max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"}))

    def clean_amount(self) -> int | None:
        raw = (self.cleaned_data.get("amount") or "").strip()
        return parse_brl(raw) if raw else None


class GiftCardCreateForm(forms.Form):
    """`variant` is checked against the shop's own stock options by the view (404-free: an id
    that is not one of them is a form error)."""

    variant = forms.IntegerField(label=_("Option sold as a gift card"), min_value=1,
                                 max_value=2**62)
    count = forms.IntegerField(label=_("How many codes"), min_value=1, max_value=500,
                               initial=10)

    def __init__(self, *args, variants=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.variants = {v.pk: v for v in (variants or [])}
        self.fields["variant"].widget = forms.Select(
            choices=[(pk, str(v)) for pk, v in self.variants.items()])

    def clean_variant(self):
        pk = self.cleaned_data["variant"]
        if pk not in self.variants:
            raise ValidationError(_("Choose one of your options that deliver stock items."))
        return self.variants[pk]
