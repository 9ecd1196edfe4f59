"""Why a delivery did not happen, in words a shop owner can act on."""

from __future__ import annotations

from django.utils.translation import gettext as _

from sales.fulfillment import discord_rest as rest


class DeliveryError(Exception):
    """`reason` is shown to the shop owner; `metric` is a short label for Prometheus."""

    def __init__(self, *, permanent: bool, reason: str, metric: str) -> None:
        super().__init__(reason)
        self.permanent = permanent
        self.reason = reason
        self.metric = metric


def from_discord(exc: rest.DiscordError, *, role: str = "", prefix: str = "") -> DeliveryError:
    metric, reason = _explain(exc, role)
    if prefix:
        reason = f"{prefix}: {reason}"
    return DeliveryError(permanent=exc.permanent, reason=reason, metric=metric)


def _explain(exc: rest.DiscordError, role: str) -> tuple[str, str]:
    if exc.code == rest.MISSING_PERMISSIONS:
        if role:
            return "missing_permissions", _(
                "The bot cannot give the role '%(role)s': the bot's role must be above "
                "'%(role)s' in Server Settings → Roles, and it needs the Manage Roles "
                "permission.") % {"role": role}
        return "missing_permissions", _("The bot is missing a permission in the server.")
    if exc.code == rest.UNKNOWN_MEMBER:
        return "unknown_member", _("The buyer is not in the server; ask them to join, then "
                                   "re-run the delivery.")
    if exc.code == rest.UNKNOWN_ROLE:
        return "unknown_role", _("The role %(role)s no longer exists in the server.") % {
            "role": role or "?"}
    if exc.code == rest.DMS_CLOSED:
        return "dms_closed", _("The buyer does not accept messages from the bot.")
    if exc.code == rest.UNAUTHORIZED:
        return "bad_token", _("Discord refused the bot token; update it in the portal.")
    if not exc.permanent:
        return "discord_unavailable", _("Discord is unavailable; it will be retried.")
    return "discord_error", _("Discord refused the request (%(error)s).") % {"error": str(exc)}
