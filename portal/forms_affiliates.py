"""Affiliate program settings and per-product commission overrides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from affiliates.services import MAX_PERCENT, MAX_PRODUCT_PERCENT


class AffiliateSettingsForm(forms.Form):
    enabled = forms.BooleanField(label=_("Affiliate program on"), required=False)
    percent = forms.IntegerField(label=_("Commission (%)"), min_value=0, max_value=MAX_PERCENT,
                                 initial=10)


class ProductCommissionForm(forms.Form):
    percent = forms.IntegerField(label=_("Commission (%)"), min_value=0,
                                 max_value=MAX_PRODUCT_PERCENT, required=False,
                                 help_text=_("Blank: the shop's commission."))
