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


class PaymentSettingsForm(forms.Form):
    """Settings → Payments: where Mercado Pago payments go and which methods buyers see."""

    mp_account = forms.ChoiceField(
        label=gettext_lazy("Where Mercado Pago payments go"), widget=forms.RadioSelect,
        choices=[("platform", gettext_lazy("Vitrine's wallet: we collect, hold and pay you out "
                                           "by PIX")),
                 ("own", gettext_lazy("My own Mercado Pago account: buyers pay you directly; "
                                      "Vitrine's fee is taken by Mercado Pago"))])
    card_enabled = forms.BooleanField(
        label=gettext_lazy("Card via Mercado Pago"), required=False,
        help_text=gettext_lazy("Buyers pay by card on Mercado Pago's page (your plan must "
                               "include card payments)."))
    stripe_card_enabled = forms.BooleanField(
        label=gettext_lazy("Card via Stripe"), required=False,
        help_text=gettext_lazy("For international buyers: Stripe's checkout page, in the "
                               "shop's currency."))
