"""Strings of the packages we build on, kept in our catalogs on purpose.

django-unfold ships no pt-BR catalog, django-axes' pt-BR lacks its admin names, and Django's own
pt-BR counts zero as singular ("0 minuto"). Our catalog (LOCALE_PATHS) wins over theirs, and with
its plural rule (n != 1): listing the msgids here keeps them in it when `make messages` runs.
Nothing calls this module's function; it exists to be read by xgettext.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop as _
from django.utils.translation import ngettext


def _catalog_only() -> None:  # pragma: no cover - read by makemessages, never run
    # Django's timesince, with a Brazilian zero ("0 minutos").
    ngettext("%(num)d year", "%(num)d years", 0)
    ngettext("%(num)d month", "%(num)d months", 0)
    ngettext("%(num)d week", "%(num)d weeks", 0)
    ngettext("%(num)d day", "%(num)d days", 0)
    ngettext("%(num)d hour", "%(num)d hours", 0)
    ngettext("%(num)d minute", "%(num)d minutes", 0)
    # The admin's counts.
    ngettext("%(counter)s result", "%(counter)s results", 0)
    ngettext("%(count)s %(name)s was changed successfully.",
             "%(count)s %(name)s were changed successfully.", 0)
    ngettext("Successfully deleted %(count)d %(items)s.",
             "Successfully deleted %(count)d %(items)s.", 0)


UNFOLD = [
    _("Add new item"), _("Add row"), _("All applications"), _("Apply Filters"),
    _("Change History"), _("Changed by"), _("Changes"), _("Choose file to upload"),
    _("Dark"), _("Light"), _("System"), _("Date from"), _("Date to"),
    _("Enter a username and password."), _("Errors"), _("Expand row"), _("True"), _("False"),
    _("Forgotten your password or username?"), _("General"), _("Go back"), _("Group"),
    _("Group permissions"), _("User permissions"), _("Image preview"), _("Link"),
    _("More actions"), _("New"), _("No data"), _("No results found"), _("Not enough data."),
    _("Object"), _("Please correct the errors below."), _("Reset filters"), _("Return to site"),
    _("Row"), _("Run"), _("Search apps and models..."), _("Select action"),
    _("Select action to run"), _("Select all rows"), _("Select record"), _("Select value"),
    _("Submit"), _("Type to search"), _("Update"), _("Value"), _("Welcome back to"),
    _("This item will be deleted."), _("Click to cancel"),
    _("This page yielded into no results. Create a new item or reset your filters."),
    _("You have been successfully logged out from the administration"),
    _("First, enter a username and password. Then, you’ll be able to edit more user options."),  # noqa: RUF001
]

AXES = [
    _("access attempt"), _("access attempts"), _("access failure"), _("access failures"),
    _("access log"), _("access logs"), _("access attempt expiration"),
    _("access attempt expirations"), _("Access Attempt"), _("Access lock out"),
    _("Attempt Time"), _("Attempt Remaining"), _("Clean up expired attempts"), _("Expires At"),
    _("Failed Logins"), _("Form Data"), _("GET Data"), _("POST Data"), _("HTTP Accept"),
    _("IP Address"), _("Locked Out"), _("Logout Time"), _("Meta Data"), _("Not set"),
    _("Path"), _("Session key hash (sha256)"), _("User Agent"), _("Username"),
    _("The time when access attempt expires and is no longer valid."),
]

# The seeded plan ladder (tenants/migrations/0003_seed_plans.py), shown through Plan.display_name.
SEED = [
    _("Free trial"), _("Start"), _("Pro"),
    _("Everything you need to set up your shop and make your first sales."),
    _("For shops starting to sell every day."),
    _("For big shops: more instances, unlimited catalog, lowest fee."),
]

# Django's pt-BR capitalises month and weekday names ("1 de Dezembro de 2026"); in Portuguese
# they are common nouns, lowercase in running text ("1 de dezembro de 2026").
DATES = [
    _("January"), _("February"), _("March"), _("April"), _("May"), _("June"), _("July"),
    _("August"), _("September"), _("October"), _("November"), _("December"),
    _("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"),
    _("Sunday"),
]
