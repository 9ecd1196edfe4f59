"""Forms for the catalog pages. Prices are typed in reais and stored in centavos."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from catalog.models import Coupon, Fulfillment, MessageTemplate, Product, Variant
from config.boundaries import MAX_AMOUNT_CENTS, BoundedModelForm
from money import to_major

MAX_UPLOAD = 5 * 1024 * 1024


MAX_AMOUNT = Decimal(MAX_AMOUNT_CENTS) / 100


class MoneyField(forms.DecimalField):
    """Accepts "19,90", "1.234,56", "R$ 19,90", "US$ 5" and "19.90": Brazilians type commas.
    Django's DecimalField refuses NaN and Infinity; the ceiling keeps centavos in their column."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_value", MAX_AMOUNT)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            for symbol in ("US$", "R$", "$", "€"):  # the owner may type the symbol too
                value = value.replace(symbol, "")
            value = value.strip()
            if "," in value:
                value = value.replace(".", "").replace(",", ".")
        return super().to_python(value)


def _cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


class ProductForm(BoundedModelForm):
    class Meta:
        model = Product
        fields = ["name", "description", "category", "image", "channel_id", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}


class VariantForm(BoundedModelForm):
    price = MoneyField(label=_("Price (R$)"), min_value=Decimal("0.01"),
                               max_value=Decimal("1000000"), decimal_places=2,
                               widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    external_url = forms.URLField(label=_("Fulfillment URL"), required=False,
                                  assume_scheme="https")

    # Prices in other currencies (issue 23): optional, empty = not sold in that currency. The
    # field of the shop's own currency is dropped in __init__ (the main price is that one).
    price_usd = MoneyField(label=_("Price in US dollars (US$)"), required=False,
                           min_value=Decimal("0.01"), max_value=Decimal("1000000"),
                           decimal_places=2, widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                           help_text=_("Optional. Buyers paying by card via Stripe may pay in "
                                       "dollars."))
    price_eur = MoneyField(label=_("Price in euros (€)"), required=False,
                           min_value=Decimal("0.01"), max_value=Decimal("1000000"),
                           decimal_places=2, widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                           help_text=_("Optional. Buyers paying by card via Stripe may pay in "
                                       "euros."))
    price_brl = MoneyField(label=_("Price in reais (R$)"), required=False,
                           min_value=Decimal("0.01"), max_value=Decimal("1000000"),
                           decimal_places=2, widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                           help_text=_("Optional. Buyers paying by card via Stripe may pay in "
                                       "reais."))
    OTHER_PRICES = {"price_usd": "USD", "price_eur": "EUR", "price_brl": "BRL"}

    class Meta:
        model = Variant
        fields = ["label", "emoji", "price", "duration_days", "fulfillment", "content", "role_id",
                  "external_url", "external_secret", "low_stock_threshold", "is_active"]
        widgets = {"content": forms.Textarea(attrs={"rows": 3}),
                   "external_secret": forms.PasswordInput(render_value=True)}

    def __init__(self, *args, currency: str = "BRL", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        if currency != "BRL":  # the main price is in the shop's own currency
            self.fields["price"].label = _("Price (%(currency)s)") % {"currency": currency}
        self.others = {name: cur for name, cur in self.OTHER_PRICES.items() if cur != currency}
        for name in set(self.OTHER_PRICES) - set(self.others):
            del self.fields[name]
        order = list(self.fields)
        rest = [n for n in order if n not in self.others and n not in ("label", "emoji", "price")]
        self.order_fields(["label", "emoji", "price", *self.others, *rest])
        if self.instance.pk:
            # "9,90" in pt-BR, "9.90" in English: what the owner would type.
            self.initial["price"] = number_format(to_major(self.instance.price_cents, currency),
                                                  decimal_pos=2)
            known = {p.currency: p.amount_cents for p in self.instance.prices.all()}
            for name, cur in self.others.items():
                if cur in known:
                    self.initial[name] = number_format(to_major(known[cur], cur), decimal_pos=2)
        self.fields["fulfillment"].choices = Fulfillment.choices
        # The page shows only the fields of the chosen delivery type (portal/app.js reads this).
        for name, kinds in self.SHOWN_FOR.items():
            self.fields[name].widget.attrs["data-show-for"] = " ".join(kinds)

    SHOWN_FOR = {
        "content": [Fulfillment.CONTENT],
        "role_id": [Fulfillment.STOCK, Fulfillment.CONTENT, Fulfillment.ROLE],
        "duration_days": [Fulfillment.STOCK, Fulfillment.CONTENT, Fulfillment.ROLE],
        "external_url": [Fulfillment.EXTERNAL],
        "external_secret": [Fulfillment.EXTERNAL],
        "low_stock_threshold": [Fulfillment.STOCK],
    }

    def service_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name != "price"}
        data["price_cents"] = _cents(self.cleaned_data["price"])
        data["prices"] = {cur: None if self.cleaned_data.get(name) is None
                          else _cents(self.cleaned_data[name])
                          for name, cur in self.others.items()}
        return data

    @property
    def other_price_fields(self) -> list:
        return [self[name] for name in self.others]

    def _post_clean(self) -> None:
        # Model validation runs in the service (full_clean) once price_cents is known.
        self.instance.price_cents = _cents(self.cleaned_data.get("price") or Decimal("0.01"))
        super()._post_clean()


class StockUploadForm(forms.Form):
    text = forms.CharField(label=_("Paste items, one per line"), required=False,
                           widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}))
    file = forms.FileField(label=_("…or upload a .txt file"), required=False)

    def clean(self) -> dict:
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            if upload.size > MAX_UPLOAD:
                raise forms.ValidationError(_("The file must be 5 MB or smaller."))
            try:
                data["text"] = (data.get("text") or "") + "\n" + upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("The file must be UTF-8 text.")) from None
        if not (data.get("text") or "").strip():
            raise forms.ValidationError(_("Paste at least one item or choose a file."))
        return data


class CouponForm(BoundedModelForm):
    amount = MoneyField(label=_("Discount"), min_value=Decimal("0.01"),
                                decimal_places=2, help_text=_("Percent, or reais for a fixed "
                                                              "amount."))
    min_order = MoneyField(label=_("Minimum order (R$)"), min_value=Decimal("0"),
                                   decimal_places=2, required=False)

    class Meta:
        model = Coupon
        fields = ["code", "kind", "amount", "min_order", "max_uses", "max_uses_per_customer",
                  "starts_at", "ends_at", "products", "variants", "is_active"]
        widgets = {"starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
                   "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
                   "products": forms.CheckboxSelectMultiple,
                   "variants": forms.CheckboxSelectMultiple}

    def __init__(self, *args, tenant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["products"].queryset = Product.objects.for_tenant(tenant)
        self.fields["variants"].queryset = Variant.objects.for_tenant(tenant).select_related(
            "product")
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M"]
        if self.instance.pk:
            c = self.instance
            self.initial["amount"] = c.value if c.kind == "percent" else Decimal(c.value) / 100
            self.initial["min_order"] = Decimal(c.min_order_cents) / 100

    def clean_code(self) -> str:
        # Validated (max_length, in _post_clean) as it will be stored: "ß"*40 upper-cases to 80.
        return Coupon.normalize_code(self.cleaned_data["code"])

    def service_fields(self) -> dict:
        d = self.cleaned_data
        percent = d["kind"] == Coupon.Kind.PERCENT
        return {
            "code": d["code"], "kind": d["kind"],
            "value": int(d["amount"]) if percent else _cents(d["amount"]),
            "min_order_cents": _cents(d.get("min_order") or Decimal(0)),
            "max_uses": d.get("max_uses"), "max_uses_per_customer": d.get(
                "max_uses_per_customer"),
            "starts_at": d.get("starts_at"), "ends_at": d.get("ends_at"),
            "is_active": d.get("is_active", False),
            "products": list(d.get("products") or []), "variants": list(d.get("variants") or []),
        }


class TemplateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Message"), choices=MessageTemplate.Kind.choices)
    locale = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    body = forms.CharField(label=_("Text"), max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 9}))
