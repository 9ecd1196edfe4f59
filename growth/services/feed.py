"""The public sales feed: a line per paid order, posted in the shop's channel in batches.

A paid order writes its FeedItem inside the payment's transaction; the first sale of a quiet
moment schedules a flush FEED_BATCH_SECONDS later, and the sales paid meanwhile join it. The
flush posts every waiting line of the shop in as few messages as Discord allows (2,000
characters each), so a burst of sales is a few messages and never hits Discord's rate limits.
The beat sweep flushes what a lost enqueue left behind.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, override

from growth.enqueue import after_commit
from growth.models import FeedItem, GrowthSettings
from growth.services.settings import settings_for
from money import format_money
from sales.fulfillment import discord_rest
from sales.fulfillment.buyer import bot_token
from sales.models import Order
from tenants.models import Tenant

FEED_BATCH_SECONDS = 10
FLUSH_LIMIT = 200  # lines per flush: at most a handful of messages


def feed_line(order: Order, config: GrowthSettings) -> tuple[str, str]:
    """The order's line in the feed, in the shop's language, and the user id it mentions."""
    with override(order.tenant.locale):
        items = ", ".join(
            f"{ln.product_name} · {ln.variant_label}" + (f" x{ln.quantity}" if ln.quantity > 1
                                                          else "")
            for ln in order.lines.all())
        buyer, mention = _buyer(order, config)
        line = gettext("🛒 %(buyer)s bought **%(items)s**") % {"buyer": buyer, "items": items}
        if config.feed_show_amount:
            line += f" — {format_money(order.total_cents, order.currency)}"
    return line[:300], mention


def _buyer(order: Order, config: GrowthSettings) -> tuple[str, str]:
    customer = order.customer
    if config.feed_buyer == GrowthSettings.BuyerDisplay.MENTION:
        return f"<@{customer.discord_user_id}>", customer.discord_user_id
    if config.feed_buyer == GrowthSettings.BuyerDisplay.NAME and customer.display_name:
        return discord_rest_escape(customer.display_name), ""
    return gettext("Someone"), ""


def discord_rest_escape(name: str) -> str:
    """A buyer's name shown as text: no markdown, no mentions."""
    for char in "\\*_~`|>@#":
        name = name.replace(char, f"\\{char}")
    return name


def feed_on_paid(order: Order) -> None:
    config = settings_for(order.tenant_id)
    if not (config.feed_enabled and config.feed_channel_id):
        return
    line, mention = feed_line(order, config)
    _row, created = FeedItem.objects.for_tenant(order.tenant_id).get_or_create(
        tenant_id=order.tenant_id, order=order,
        defaults={"line": line, "mention_user_id": mention})
    if created and cache.add(_batch_key(order.tenant_id), 1, FEED_BATCH_SECONDS):
        after_commit("feed_flush", order.tenant_id, countdown=FEED_BATCH_SECONDS)


def _batch_key(tenant_id: int) -> str:
    return f"growth:feed-batch:{tenant_id}"


@transaction.atomic
def feed_flush(*, tenant_id: int) -> int:
    """Post every waiting line of the shop; returns how many messages were sent.

    The rows stay locked (SKIP LOCKED: a second flush takes none of them) while Discord is
    called, so a crash mid-post leaves them waiting, not lost; a retryable Discord error rolls
    back and the sweep tries again; a permanent one (channel gone, no permission) fails them.
    """
    items = list(FeedItem.objects.for_tenant(tenant_id).select_for_update(skip_locked=True)
                 .filter(state=FeedItem.State.WAITING).order_by("created_at", "pk")
                 [:FLUSH_LIMIT])
    if not items:
        return 0
    tenant = Tenant.objects.get(pk=tenant_id)
    config = settings_for(tenant)
    ids = [item.pk for item in items]
    rows = FeedItem.objects.for_tenant(tenant_id).filter(pk__in=ids)
    if not (config.feed_enabled and config.feed_channel_id):
        rows.update(state=FeedItem.State.FAILED)
        return 0
    with override(tenant.locale):
        header = gettext("**New sales at %(shop)s**") % {"shop": tenant.name} \
            if len(items) > 1 else ""
    text = "\n".join([header, *[item.line for item in items]]).strip()
    parts = discord_rest.chunks(text)
    try:
        message_id = ""
        for part in parts:
            message_id = discord_rest.send_message(token=bot_token(tenant),
                                                   channel_id=config.feed_channel_id,
                                                   content=part)
    except discord_rest.DiscordError as exc:
        if not exc.permanent:
            raise
        rows.update(state=FeedItem.State.FAILED)
        return 0
    rows.update(state=FeedItem.State.POSTED, message_id=message_id, posted_at=timezone.now())
    return len(parts)


def feeds_waiting() -> list[int]:
    """Shops with lines waiting longer than a batch: the sweep flushes them."""
    before = timezone.now() - timedelta(seconds=FEED_BATCH_SECONDS)
    return sorted(set(FeedItem.objects.unscoped().filter(
        state=FeedItem.State.WAITING, created_at__lte=before).values_list("tenant_id", flat=True)))
