"""Forms of the developers page: API keys for the public shop API, webhook endpoints."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from config.egress import EgressRefused, check_url
from developer.models import EVENTS, SCOPES


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60,
                           help_text=_("Where it is used, e.g. “ERP” or “my website”."))
    scopes = forms.MultipleChoiceField(label=_("Access"), choices=SCOPES,
                                       widget=forms.CheckboxSelectMultiple)


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(label=_("Endpoint URL"), max_length=300, assume_scheme="https",
                         help_text=_("A public https:// address of yours that receives the "
                                     "events."))
    events = forms.MultipleChoiceField(label=_("Events"), choices=EVENTS,
                                       widget=forms.CheckboxSelectMultiple)

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            check_url(url)
        except EgressRefused:
            raise forms.ValidationError(_("Use a public address: private, local and "
                                          "link-local addresses are refused.")) from None
        return url
