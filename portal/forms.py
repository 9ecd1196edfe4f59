from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from tenants.models import Role, Tenant

# A Discord id (snowflake) as the "Copy ID" menu gives it.
snowflake = RegexValidator(r"^\d{17,20}$", _("Paste a Discord channel id: 17 to 20 digits "
                                              "(right-click the channel → Copy Channel ID)."))


class TenantForm(forms.Form):
    name = forms.CharField(label=_("Instance name"), max_length=80, min_length=2,
                           help_text=_("Your shop's name, as buyers will see it."))
    locale = forms.ChoiceField(label=_("Bot language"), choices=settings.LANGUAGES,
                               initial="pt-br")

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()


class TenantSettingsForm(TenantForm):
    """The Settings page: the instance fields plus the bot's Discord channels and notices."""

    log_channel_id = forms.CharField(
        label=_("Staff log channel id"), required=False, max_length=20, validators=[snowflake],
        help_text=_("The bot posts new sales, failed deliveries and low stock here. Leave "
                    "blank for no notices."))
    fallback_channel_id = forms.CharField(
        label=_("Delivery fallback channel id"), required=False, max_length=20,
        validators=[snowflake],
        help_text=_("When a buyer's DMs are closed, the bot delivers in a private thread of "
                    "this channel."))
    notify_sales = forms.BooleanField(label=_("Notify new sales"), required=False)
    notify_failures = forms.BooleanField(label=_("Notify failed deliveries"), required=False)
    notify_low_stock = forms.BooleanField(label=_("Notify low stock"), required=False)

    INSTANCE_FIELDS = ("name", "locale")
    DISCORD_FIELDS = ("log_channel_id", "fallback_channel_id", "notify_sales",
                      "notify_failures", "notify_low_stock")

    @classmethod
    def initial_for(cls, tenant: Tenant) -> dict[str, Any]:
        options = tenant.settings or {}
        return {"name": tenant.name, "locale": tenant.locale,
                "log_channel_id": options.get("log_channel_id", ""),
                "fallback_channel_id": options.get("fallback_channel_id", ""),
                # Notices are on until the owner turns them off.
                **{key: options.get(key, True) for key in cls.DISCORD_FIELDS[2:]}}

    def instance_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.INSTANCE_FIELDS]

    def discord_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.DISCORD_FIELDS]

    def discord_settings(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.DISCORD_FIELDS}


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
