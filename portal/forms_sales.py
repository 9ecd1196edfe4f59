"""Filters for the sales pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sales.models import OrderStatus


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All")), *OrderStatus.choices])
    date_from = forms.DateField(label=_("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    customer = forms.CharField(label=_("Customer or order"), required=False, max_length=100)


class CustomerSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
