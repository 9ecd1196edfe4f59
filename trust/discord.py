"""What trust says in Discord (in the shop's language) and the sends themselves, through
sales' Discord REST wrapper with the shop's bot token.

- the review request: a DM with five star buttons (custom_id `vt:rv:<order code>:<stars>`);
  the bot answers a click with a comment modal and calls the Bot API (trust/api.py);
- the review post: an embed in the shop's reviews channel, edited when the review changes,
  gets a reply, or is hidden.
"""

from __future__ import annotations

import logging

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sales.fulfillment import discord_rest
from sales.fulfillment.buyer import bot_token
from sales.models import OrderLine
from tenants.models import Tenant
from trust import selectors, services
from trust.models import Review, ReviewRequest

log = logging.getLogger(__name__)

GOLD = 0xF5B301
GREY = 0x99AAB5
BUTTON, ROW, SECONDARY = 2, 1, 2


def stars_text(stars: int) -> str:
    return "★" * stars + "☆" * (5 - stars)


def review_request_payload(*, code: str, products: list[str]) -> dict:
    """The DM (called under the shop's language)."""
    names = ", ".join(products)[:300]
    return {
        "embeds": [{
            "title": _("How was your purchase?"),
            "description": _("Order #%(code)s: %(products)s.\nTap the stars to rate it. You can "
                             "add a comment and change your review for 7 days.") % {
                "code": code, "products": names},
            "color": GOLD}],
        "components": [{"type": ROW, "components": [
            {"type": BUTTON, "style": SECONDARY, "label": "★" * n,
             "custom_id": f"vt:rv:{code}:{n}"} for n in range(1, 6)]}],
    }


def review_embed(review: Review) -> dict:
    """The channel post (called under the shop's language)."""
    if review.is_hidden:
        return {"description": _("This review was hidden by the shop."), "color": GREY}
    products = ", ".join(p.name for p in review.products.all())[:250]
    embed: dict = {
        "title": f"{stars_text(review.stars)}  {review.stars}/5",
        "description": review.comment[:4000] or _("(no comment)"),
        "color": GOLD,
        "author": {"name": (review.customer.display_name or _("Buyer"))[:256]},
        "footer": {"text": _("Verified purchase · %(products)s") % {"products": products}},
        "timestamp": review.created_at.isoformat(),
    }
    if review.reply:
        embed["fields"] = [{"name": _("Reply from the shop"), "value": review.reply[:1024]}]
    return embed


def review_request_send(*, tenant_id: int, request_id: int) -> str:
    """DM the review request; permanent failures (DMs closed) are recorded, not retried."""
    request = (ReviewRequest.objects.for_tenant(tenant_id)
               .select_related("order__tenant", "order__customer").filter(pk=request_id).first())
    if request is None or request.state != ReviewRequest.State.PENDING:
        return "skipped"
    order = request.order
    token = bot_token(order.tenant)
    if not token:
        return "skipped"
    products = list(OrderLine.objects.for_tenant(tenant_id).filter(order=order)
                    .values_list("product_name", flat=True).distinct())
    with translation.override(order.tenant.locale or None):
        payload = review_request_payload(code=order.code, products=products)
    try:
        sent = discord_rest.send_dm_rich(token=token, user_id=order.customer.discord_user_id,
                                         **payload)
    except discord_rest.DiscordError as exc:
        if exc.permanent:
            services.review_request_failed(request=request, error=str(exc))
            return "failed"
        raise
    services.review_request_sent(request=request, channel_id=sent.channel_id,
                                 message_id=sent.message_id)
    return "done"


def review_publish(*, tenant_id: int, review_id: int) -> str:
    """Post (or edit) the review in the shop's reviews channel, if the shop has one."""
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    settings = selectors.trust_settings(tenant=tenant) if tenant else None
    channel_id = settings.reviews_channel_id if settings else ""
    review = (Review.objects.for_tenant(tenant_id).select_related("customer")
              .filter(pk=review_id).first()) if channel_id else None
    token = bot_token(tenant) if review else ""
    if not token:
        return "skipped"
    with translation.override(tenant.locale or None):
        embed = review_embed(review)
    try:
        if review.channel_message_id:
            discord_rest.edit_embed(token=token, channel_id=channel_id,
                                    message_id=review.channel_message_id, embeds=[embed])
            return "edited"
        if review.is_hidden:
            return "skipped"  # never posted, nothing to show
        message_id = discord_rest.send_embed(token=token, channel_id=channel_id,
                                             embeds=[embed])
    except discord_rest.DiscordError as exc:
        if exc.permanent:  # deleted channel, no access: the owner fixes the setting
            log.info("review.publish_failed tenant=%s code=%s", tenant_id, exc.code)
            return "failed"
        raise
    services.review_published(review=review, message_id=message_id)
    return "posted"


def review_requests_due(*, now=None) -> int:
    """Beat: enqueue the review requests that came due (and any whose enqueue was lost)."""
    from trust.enqueue import enqueue_review_request

    now = now or timezone.now()
    rows = list(ReviewRequest.objects.unscoped()
                .filter(state=ReviewRequest.State.PENDING, due_at__lte=now)
                .order_by("due_at").values_list("tenant_id", "pk")[:500])
    for tenant_id, pk in rows:
        enqueue_review_request(tenant_id, pk)
    return len(rows)
