from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tenants.models import Role


class TenantForm(forms.Form):
    name = forms.CharField(label=_("Instance name"), max_length=80, min_length=2,
                           help_text=_("Your shop's name, as buyers will see it."))
    locale = forms.ChoiceField(label=_("Bot language"), choices=settings.LANGUAGES,
                               initial="pt-br")

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=60, initial="bot",
                           help_text=_("Something that tells you where the token is used."))


class MemberAddForm(forms.Form):
    email = forms.EmailField(label=_("Email of a Vitrine user"))
    role = forms.ChoiceField(label=_("Role"),
                             choices=[(Role.MANAGER, Role.MANAGER.label),
                                      (Role.VIEWER, Role.VIEWER.label)])


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=[(Role.MANAGER, Role.MANAGER.label),
                                      (Role.VIEWER, Role.VIEWER.label)])


class AccountForm(forms.Form):
    first_name = forms.CharField(label=_("Display name"), max_length=150, required=False)
    preferred_language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
