"""Forms for the memberships pages: tiers (price in reais), grants, settings and templates."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.formats import number_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from config.boundaries import BoundedModelForm
from memberships.models import Member, MembershipSettings, Tier
from memberships.texts import PLACEHOLDERS
from money import to_major
from portal.forms_catalog import MoneyField, _cents

DISCORD_ID = r"^[0-9]{15,20}$"


class TierForm(BoundedModelForm):
    price = MoneyField(label=_("Price (R$)"), min_value=Decimal("0.01"),
                       max_value=Decimal("1000000"), decimal_places=2,
                       widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    role_id = forms.RegexField(DISCORD_ID, label=_("Discord role id"), max_length=20,
                               help_text=_("Server Settings → Roles → right-click the role → "
                                           "Copy Role ID. The bot's role must be above it."))

    class Meta:
        model = Tier
        fields = ["name", "description", "role_id", "price", "period", "trial_days",
                  "kofi_tier_name", "active", "sort"]

    def __init__(self, *args, **kwargs) -> None:
        self.tenant = kwargs.pop("tenant")
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["price"] = number_format(to_major(self.instance.price_cents, "BRL"),
                                                  decimal_pos=2)
        self.fields["trial_days"].max_value = 90
        self.fields["trial_days"].widget.attrs["max"] = 90
        self.fields["kofi_tier_name"].help_text = _(
            "The tier's name on Ko-fi, if supporters there get this role.")
        # The model's "order" reads as a purchase order in Portuguese ("pedido").
        self.fields["sort"].label = _("Position in /assinar")
        self.fields["sort"].help_text = _("Lower numbers come first.")

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = Tier.objects.for_tenant(self.tenant).filter(name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Another tier already has this name."))
        return name

    def clean_trial_days(self) -> int:
        days = self.cleaned_data["trial_days"] or 0
        if days > 90:
            raise forms.ValidationError(_("A trial lasts at most 90 days."))
        return days

    def _post_clean(self) -> None:
        self.instance.price_cents = _cents(self.cleaned_data.get("price") or Decimal("0.01"))
        self.instance.tenant = self.tenant
        super()._post_clean()


class GrantForm(forms.Form):
    tier = forms.ModelChoiceField(queryset=Tier.objects.none(), label=_("Tier"))
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=3660, initial=30)
    reason = forms.CharField(label=_("Reason"), max_length=300,
                             help_text=_("Kept in the audit log."))

    def __init__(self, *args, **kwargs) -> None:
        tenant = kwargs.pop("tenant")
        member: Member | None = kwargs.pop("member", None)
        super().__init__(*args, **kwargs)
        self.fields["tier"].queryset = Tier.objects.for_tenant(tenant)
        if member is not None:
            self.fields["tier"].initial = member.tier_id

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why: the reason is kept in the audit log."))
        return reason


class NewGrantForm(GrantForm):
    discord_user_id = forms.RegexField(r"^[0-9]{15,20}$", label=_("Buyer's Discord user id"),
                                       max_length=20)


class MembershipSettingsForm(BoundedModelForm):
    reminder_days = forms.IntegerField(label=_("Renewal reminder (days before)"), min_value=1,
                                       max_value=30)
    grace_days = forms.IntegerField(label=_("Grace period (days)"), min_value=0, max_value=30)
    dunning_max = forms.IntegerField(label=_("Payment reminders after the due date"),
                                     min_value=0, max_value=3)
    kofi_donation_days = forms.IntegerField(label=_("Days a donation grants"), min_value=1,
                                            max_value=366)
    kofi_token = forms.CharField(label=_("Ko-fi verification token"), required=False,
                                 max_length=100, widget=forms.PasswordInput(render_value=True),
                                 help_text=_("Find it on Ko-fi at the path on the right."))
    kofi_donation_min = MoneyField(label=_("Minimum Ko-fi donation"), min_value=Decimal("0"),
                                   max_value=Decimal("1000000"), decimal_places=2,
                                   required=False,
                                   widget=forms.TextInput(attrs={"inputmode": "decimal"}))

    class Meta:
        model = MembershipSettings
        fields = ["reminder_days", "grace_days", "dunning_max", "template_reminder",
                  "template_dunning", "template_ended", "kofi_token", "kofi_donation_tier",
                  "kofi_donation_days"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in
                   ("template_reminder", "template_dunning", "template_ended")}

    def __init__(self, *args, **kwargs) -> None:
        self.tenant = kwargs.pop("tenant")
        super().__init__(*args, **kwargs)
        self.fields["kofi_donation_tier"].queryset = Tier.objects.for_tenant(self.tenant)
        self.fields["kofi_donation_tier"].required = False
        self.initial["kofi_donation_min"] = number_format(
            to_major(self.instance.kofi_donation_min_cents, "BRL"), decimal_pos=2)
        # Placeholders are code, not words: shown in <code> (constants, safe to mark so).
        hint = mark_safe(", ".join(f"<code>{{{p}}}</code>" for p in PLACEHOLDERS))  # noqa: S308
        for name in ("template_reminder", "template_dunning", "template_ended"):
            self.fields[name].help_text = format_html(
                conditional_escape(_("Empty uses ours. Placeholders: %(list)s.")).replace(
                    "%(list)s", "{}"), hint)
            self.fields[name].max_length = 1500
            self.fields[name].validators.append(MaxLengthValidator(1500))

    def clean_kofi_token(self) -> str:
        return (self.cleaned_data.get("kofi_token") or "").strip()

    def _post_clean(self) -> None:
        self.instance.kofi_donation_min_cents = _cents(
            self.cleaned_data.get("kofi_donation_min") or Decimal(0))
        super()._post_clean()
