"""Forms for the owner's payment actions (refunds)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from config.boundaries import cents


class RefundForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)
    amount = forms.CharField(label=gettext_lazy("Amount (empty for everything left)"),
                             required=False, max_length=20)

    def clean_amount(self) -> int | None:
        raw = (self.cleaned_data.get("amount") or "").strip().replace("R$", "").strip()
        if not raw:
            return None
        text = raw.replace(".", "").replace(",", ".") if "," in raw else raw
        return cents(text)  # NaN, Infinity, <= 0, over the ceiling or 3 decimals: refused
