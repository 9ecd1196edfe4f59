"""Forms for the owner's payment actions (refunds)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class RefundForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)
    amount = forms.CharField(label=gettext_lazy("Amount (empty for everything left)"),
                             required=False, max_length=20)

    def clean_amount(self) -> int | None:
        raw = (self.cleaned_data.get("amount") or "").strip().replace("R$", "").strip()
        if not raw:
            return None
        try:
            value = Decimal(raw.replace(".", "").replace(",", ".") if "," in raw else raw)
        except InvalidOperation:
            raise forms.ValidationError(_("Write the amount like 12,50.")) from None
        cents = int((value * 100).to_integral_value())
        if cents <= 0:
            raise forms.ValidationError(_("Write the amount like 12,50."))
        return cents
