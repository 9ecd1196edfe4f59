"""Forms for custom fields on products and SMM panel delivery (panel settings, the service
a variant orders)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.fields import pattern_check
from catalog.models import Product, ProductField
from config.boundaries import BoundedModelForm
from smm.models import Panel, ServiceMapping


class ProductFieldForm(BoundedModelForm):
    class Meta:
        model = ProductField
        fields = ["label", "key", "kind", "required", "pattern", "placeholder", "private"]

    def __init__(self, *args, product: Product, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.product = product

    def clean_key(self) -> str:
        key = (self.cleaned_data.get("key") or "").strip().lower()
        if ProductField.objects.for_tenant(self.product.tenant_id).filter(
                product=self.product, key=key).exists():
            raise forms.ValidationError(_("This product already has a field with this key."))
        return key

    def clean_pattern(self) -> str:
        pattern = (self.cleaned_data.get("pattern") or "").strip()
        if pattern:
            pattern_check(pattern)
        return pattern

    def validate_unique(self) -> None:
        """The product is set by the service (clean_key checked the pair)."""


class PanelForm(forms.Form):
    url = forms.URLField(label=_("Panel API URL"), max_length=200, assume_scheme="https",
                         help_text=_("The panel's API address, e.g. "
                                     "https://panel.example/api/v2."))
    api_key = forms.CharField(label=_("API key"), max_length=200, required=False,
                              widget=forms.PasswordInput(render_value=False),
                              help_text=_("Stored encrypted. Leave empty to keep the current "
                                          "key."))
    balance_alert_below = forms.DecimalField(
        label=_("Alert when the balance is below"), required=False, min_value=Decimal(0),
        max_value=Decimal("9999999999"), decimal_places=4, max_digits=14, localize=True,
        help_text=_("In the panel's currency. Empty: no alert."))

    def __init__(self, *args, panel: Panel | None = None, **kwargs) -> None:
        initial = kwargs.pop("initial", {}) or {}
        if panel is not None:
            below = panel.balance_alert_below
            # 20.0000 reads as 20 (normalize() alone would write 2E+1).
            initial.update(url=panel.url, balance_alert_below=Decimal(f"{below.normalize():f}")
                           if below is not None else None)
        super().__init__(*args, initial=initial, **kwargs)
        self.panel = panel

    def clean_api_key(self) -> str:
        key = (self.cleaned_data.get("api_key") or "").strip()
        if not key and self.panel is None:
            raise forms.ValidationError(_("Give the panel's API key."))
        return key


class ServiceMappingForm(BoundedModelForm):
    link_field = forms.ChoiceField(label=_("Link field"), help_text=_(
        "The custom field whose answer is sent to the panel as the link."))

    class Meta:
        model = ServiceMapping
        fields = ["service_id", "quantity_per_unit", "link_field", "refill"]

    def __init__(self, *args, fields: list[ProductField], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["link_field"].choices = [(f.key, f"{f.label} ({f.key})") for f in fields]

    def validate_unique(self) -> None:
        """One mapping per variant: the service updates it in place."""
