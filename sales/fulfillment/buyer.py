"""Reach the buyer with a delivery: DM, then their cart thread, then the shop's fallback channel.

Each step is tried only when the one before could not reach the buyer (DMs closed); an error
that says nothing about the buyer (bad token, Discord down) is raised at once so the delivery
is retried or failed with that reason.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext as _

import audit
from runtime.models import BotRuntime
from sales.fulfillment import discord_rest
from sales.fulfillment.errors import DeliveryError, from_discord
from sales.models import Delivery

log = logging.getLogger(__name__)


def bot_token(tenant: Any) -> str:
    runtime = BotRuntime.objects.for_tenant(tenant).only("discord_token").first()
    return runtime.discord_token if runtime else ""


def send_to_buyer(delivery: Delivery, text: str, *, once: bool = False) -> None:
    """With `once`, the DM carries the delivery's nonce: a worker that died after Discord took
    the message but before the row said so is followed by one that sends nothing new."""
    tenant, customer = delivery.order.tenant, delivery.order.customer
    token = bot_token(tenant)
    try:
        message_id = discord_rest.send_dm(token=token, user_id=customer.discord_user_id,
                                          content=text,
                                          nonce=f"vd{delivery.pk}" if once else "",
                                          # a claim before this one may have died after
                                          # Discord took the DM, longer ago than a nonce lasts
                                          read_back=once and delivery.attempts > 1)
        _log_message(delivery, via="dm", message_id=message_id)
        return
    except discord_rest.DiscordError as exc:
        if exc.code != discord_rest.DMS_CLOSED:
            raise from_discord(exc) from None
    if _send_in_cart_thread(delivery, token, customer, text):
        return
    _send_in_fallback_channel(delivery, token, text)


def _log_message(delivery: Delivery, *, via: str, message_id: str = "",
                 channel_id: str = "") -> None:
    """Which Discord message carried the goods: a dispute's evidence names it."""
    audit.record(actor=None, tenant=delivery.order.tenant, action="delivery.message",
                 target=delivery, data={"order": delivery.order.code, "via": via,
                                        "message_id": str(message_id or ""),
                                        "channel_id": str(channel_id or "")})


def _send_in_cart_thread(delivery: Delivery, token: str, customer: Any, text: str) -> bool:
    """The buyer's own cart thread; False when there is none or it no longer works."""
    if not customer.cart_thread_id:
        return False
    user_id = customer.discord_user_id
    try:
        message_id = discord_rest.send_message(token=token, channel_id=customer.cart_thread_id,
                                               content=f"<@{user_id}>\n{text}", mention=user_id)
    except discord_rest.DiscordError as exc:
        # Deleted or archived threads are common (carts end); the fallback channel is next.
        log.info("delivery.cart_thread_failed customer=%s code=%s", customer.pk, exc.code)
        return False
    _log_message(delivery, via="cart_thread", message_id=message_id,
                 channel_id=customer.cart_thread_id)
    return True


def _send_in_fallback_channel(delivery: Delivery, token: str, text: str) -> None:
    tenant, user_id = delivery.order.tenant, delivery.order.customer.discord_user_id
    channel_id = str((tenant.settings or {}).get("fallback_channel_id") or "")
    if not channel_id:
        raise DeliveryError(permanent=True, metric="dms_closed",
                            reason=_("Buyer has DMs closed; ask them to open DMs and use "
                                     "/meuspedidos to re-send"))
    try:
        thread_id = discord_rest.send_in_private_thread(
            token=token, channel_id=channel_id, user_id=user_id, content=text,
            name=_("Order #%(code)s") % {"code": delivery.order.code})
    except discord_rest.DiscordError as exc:
        raise from_discord(exc, prefix=_("Buyer has DMs closed and the fallback channel "
                                         "failed")) from None
    _log_message(delivery, via="fallback_thread", channel_id=thread_id)
