"""Forms of the disputes pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from disputes.models import Dispute


class DisputeFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("All")), *Dispute.State.choices])


class DisputeOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[
        ("won", _("Won: the provider decided for the shop")),
        ("lost", _("Lost: the buyer keeps the money"))], widget=forms.RadioSelect)
