"""Wallet forms: a withdrawal request and the statement filters."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from config.boundaries import cents
from wallet.models import LEDGER_CURRENCIES, AccountKind, LedgerTransaction, PixKeyType
from wallet.pix_keys import pix_key_normalize

AMOUNT_RE = re.compile(r"^\d{1,3}(\.\d{3})*(,\d{1,2})?$|^\d+([.,]\d{1,2})?$")


def parse_brl(raw: str) -> int:
    """'1.234,56', '1234,56' or '1234.56' -> 123456 centavos; anything else is refused."""
    text = (raw or "").strip().replace("R$", "").replace(" ", "")
    if text.startswith("-"):
        raise ValidationError(_("The amount must be greater than zero."))
    if not AMOUNT_RE.match(text):
        raise ValidationError(_("Enter an amount in reais, like 150,00."))
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    return cents(text)  # bounded: at most MAX_AMOUNT_CENTS, finite, two decimals


class WithdrawalForm(forms.Form):
    amount = forms.CharField(label=_("Amount (R$)"), max_length=20,
                             widget=forms.TextInput(attrs={"inputmode": "decimal",
                                                           "placeholder": "150,00"}))
    pix_key_type = forms.ChoiceField(label=_("PIX key type"), choices=PixKeyType.choices)
    pix_key = forms.CharField(label=_("PIX key"), max_length=140)

    def clean_amount(self) -> int:
        return parse_brl(self.cleaned_data["amount"])

    def clean(self) -> dict:
        data = super().clean()
        if data.get("pix_key_type") and data.get("pix_key"):
            try:
                data["pix_key"] = pix_key_normalize(key_type=data["pix_key_type"],
                                                    value=data["pix_key"])
            except ValidationError as error:
                self.add_error("pix_key", error)
        return data


class StatementFilterForm(forms.Form):
    account = forms.ChoiceField(label=_("Balance"), required=False, choices=[
        ("", _("All")), (AccountKind.PENDING, _("Pending")),
        (AccountKind.AVAILABLE, _("Available")), (AccountKind.WITHDRAWING, _("Withdrawing"))])
    kind = forms.ChoiceField(label=_("Type"), required=False,
                             choices=[("", _("All")), *LedgerTransaction.Kind.choices])
    currency = forms.ChoiceField(label=_("Currency"), required=False, choices=[
        ("", _("All")), *[(c, c) for c in LEDGER_CURRENCIES]])
    date_from = forms.DateField(label=_("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
