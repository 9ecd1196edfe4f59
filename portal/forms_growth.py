"""Growth's forms: the settings page (reminders, feed, roles, welcome) and the analytics
period."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from growth.models import GrowthSettings
from growth.selectors import PERIODS
from portal.forms import snowflake

role_snowflake = RegexValidator(r"^\d{17,20}$", _(
    "Paste a Discord role id: 17 to 20 digits (Server Settings → Roles → right-click the "
    "role → Copy Role ID)."))


class GrowthSettingsForm(forms.Form):
    recovery_enabled = forms.BooleanField(label=_("Remind abandoned carts by DM"),
                                          required=False)
    recovery_delay_minutes = forms.IntegerField(
        label=_("Minutes after the last item added"), min_value=5, max_value=10080, initial=30,
        help_text=_("One reminder per cart, never after the buyer paid or turned reminders "
                    "off with /notificacoes."))
    recovery_coupon_percent = forms.IntegerField(
        label=_("Coupon in the reminder (%)"), min_value=0, max_value=90, initial=0,
        help_text=_("0 for no coupon. Otherwise each reminder carries its own single-use "
                    "coupon, valid for 7 days."))
    feed_enabled = forms.BooleanField(label=_("Post every sale in a channel"), required=False)
    feed_channel_id = forms.CharField(label=_("Sales feed channel id"), required=False,
                                      max_length=20, validators=[snowflake])
    feed_show_amount = forms.BooleanField(label=_("Show the amount paid"), required=False)
    feed_buyer = forms.ChoiceField(label=_("Show the buyer as"),
                                   choices=GrowthSettings.BuyerDisplay.choices,
                                   initial=GrowthSettings.BuyerDisplay.NAME)
    customer_role_id = forms.CharField(
        label=_("Customer role id"), required=False, max_length=20,
        validators=[role_snowflake],
        help_text=_("Given after a buyer's first paid order. Leave blank for none. The bot's "
                    "role must be above it in Server Settings → Roles."))
    customer_role_remove_on_refund = forms.BooleanField(
        label=_("Remove it when a full refund leaves the buyer with no paid order"),
        required=False)
    welcome_enabled = forms.BooleanField(label=_("Welcome new members"), required=False)
    welcome_channel_id = forms.CharField(
        label=_("Welcome channel id"), required=False, max_length=20, validators=[snowflake],
        help_text=_("Leave blank to welcome by direct message. The welcome links to your "
                    "first product post."))

    SECTIONS = {
        "recovery": ("recovery_enabled", "recovery_delay_minutes", "recovery_coupon_percent"),
        "feed": ("feed_enabled", "feed_channel_id", "feed_show_amount", "feed_buyer"),
        "roles": ("customer_role_id", "customer_role_remove_on_refund"),
        "welcome": ("welcome_enabled", "welcome_channel_id"),
    }

    @classmethod
    def initial_for(cls, row: GrowthSettings) -> dict[str, Any]:
        return {name: getattr(row, name) for name in cls.base_fields}

    @property
    def sections(self) -> dict[str, list[forms.BoundField]]:
        """The bound fields per card of the page (templates cannot pass arguments)."""
        return {name: [self[field] for field in fields]
                for name, fields in self.SECTIONS.items()}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("feed_enabled") and not data.get("feed_channel_id"):
            self.add_error("feed_channel_id", _("Say in which channel the sales are posted."))
        return data


def _periods() -> list[tuple[int, str]]:
    # A callable: the labels are translated per request, not once at import.
    return [(n, gettext("Last %(n)s days") % {"n": n}) for n in PERIODS]


class AnalyticsPeriodForm(forms.Form):
    days = forms.TypedChoiceField(label=_("Period"), coerce=int, required=False,
                                  choices=_periods)
