"""Attribution through an affiliate's link to a post.

Discord cannot carry a query parameter into a message, and a product post's "Comprar" button is
the same for every buyer, so a link can only attribute a sale if someone says who clicked it.
What works, and what this does:

1. `/afiliado` gives the affiliate one short link per product post of the shop (and one to the
   shop itself): `<portal>/a/<shop>/<code>/<post>/`, served by the portal, not by Discord.
2. Opening it counts a click (links.click_record): link unfurlers and crawlers (Discord fetches
   every pasted link to preview it) and prefetches are not counted, and one visitor counts once
   per affiliate per hour (an affiliate counts at most CLICKS_PER_MINUTE). The visitor is
   told apart by a keyed hash of their address and the day, kept in the cache for that hour
   only; nothing about them is stored (a Click row says which affiliate, which post, when).
3. The portal then asks Discord who the visitor is (OAuth2, scope `identify`, the platform's
   application; `prompt=none`, so after the first time it is one redirect) and records a
   LinkVisit for that Discord user, then redirects to the post's message in Discord
   (discord.com/channels/<guild>/<channel>/<message>), where the "Comprar" button is.
4. When that buyer next opens a cart in the shop (sales' cart_item_added), within LINK_DAYS of
   the visit, the visit becomes their referral: their paid orders earn the affiliate the
   commission, as a code typed in the coupon field does. Self-referral is refused at both ends.

Without a Discord application configured (DISCORD_CLIENT_ID/SECRET), or when the visitor
declines, the click is counted and they still land on the post; the sale is then attributed
only if they type the affiliate's code (the coupon field or /afiliado codigo:).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from affiliates.models import Affiliate, Click, LinkVisit, Referral
from affiliates.services import program
from catalog.models import ProductPost
from sales.models import Customer

LINK_DAYS = 7  # a visit attributes the buyer's first cart within this window
VISITOR_WINDOW_SECONDS = 3600  # one visitor counts once per affiliate per hour
CLICKS_PER_MINUTE = 60  # beyond this an affiliate's clicks are a script, not people
STATE_MAX_AGE = 600  # the Discord sign-in must come back within ten minutes
STATE_SALT = "affiliates.link"
DISCORD_WEB = "https://discord.com/channels"
# Link previewers and crawlers: Discord's own unfurler first (it fetches every pasted link).
BOTS = re.compile(r"bot\b|bot/|crawl|spider|slurp|preview|facebookexternalhit|embedly|"
                  r"whatsapp|telegram|skypeuripreview|headless|curl|wget|python-requests|"
                  r"httpx|aiohttp|go-http-client|java/|okhttp", re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    affiliate: Affiliate
    post: ProductPost | None

    @property
    def discord_url(self) -> str:
        guild = self.affiliate.tenant.discord_guild_id or "@me"
        if self.post is None or not self.post.message_id:
            return f"{DISCORD_WEB}/{guild}"
        return f"{DISCORD_WEB}/{guild}/{self.post.channel_id}/{self.post.message_id}"


def link_path(*, affiliate: Affiliate, post: ProductPost | None = None) -> str:
    base = f"/a/{affiliate.tenant.slug}/{affiliate.code}/"
    return f"{base}{post.pk}/" if post is not None else base


def affiliate_links(*, affiliate: Affiliate, limit: int = 10) -> list[tuple[str, str]]:
    """(product name, absolute link) for each posted product of the shop, then the shop."""
    public = settings.PUBLIC_URL.rstrip("/")
    posts = (ProductPost.objects.for_tenant(affiliate.tenant_id).exclude(message_id="")
             .filter(product__is_active=True).select_related("product")
             .order_by("product__name", "pk")[:limit])
    links = [(p.product.name, public + link_path(affiliate=affiliate, post=p)) for p in posts]
    return [*links, ("", public + link_path(affiliate=affiliate))]


def target_find(*, slug: str, code: str, post_id: int | None) -> Target | None:
    """The affiliate and post a link names, or None (unknown, or the program is off)."""
    affiliate = (Affiliate.objects.unscoped().select_related("tenant")
                 .filter(tenant__slug=slug, code=(code or "").upper()[:16]).first())
    if affiliate is None or not program(affiliate.tenant)[0]:
        return None
    post = None
    if post_id is not None:
        post = ProductPost.objects.for_tenant(affiliate.tenant_id).filter(pk=post_id).first()
        if post is None:
            return None
    return Target(affiliate=affiliate, post=post)


def is_bot(*, user_agent: str, purpose: str = "") -> bool:
    """A previewer, crawler or prefetch: not a person clicking."""
    if "prefetch" in (purpose or "").lower() or "prerender" in (purpose or "").lower():
        return True
    agent = (user_agent or "").strip()
    return not agent or bool(BOTS.search(agent))


def _visitor_key(target: Target, address: str) -> str:
    day = timezone.now().date().isoformat()
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{address}|{day}".encode(),
                      hashlib.sha256).hexdigest()[:24]
    return f"affiliates:click:{target.affiliate.pk}:{digest}"


def click_record(*, target: Target, address: str, user_agent: str, purpose: str = "") -> bool:
    """Count the click unless a bot or the same visitor again within the hour; True if it
    counted. The cache's add() is atomic (Redis SET NX): two racing requests count once."""
    if is_bot(user_agent=user_agent, purpose=purpose):
        return False
    if not cache.add(_visitor_key(target, address or "-"), 1, VISITOR_WINDOW_SECONDS):
        return False
    minute = f"affiliates:clicks:{target.affiliate.pk}:{int(timezone.now().timestamp() // 60)}"
    cache.add(minute, 0, 120)
    if cache.incr(minute) > CLICKS_PER_MINUTE:
        return False
    Click.objects.create(tenant_id=target.affiliate.tenant_id, affiliate=target.affiliate,
                         post=target.post)
    return True


def state_make(target: Target) -> str:
    return signing.dumps({"a": target.affiliate.pk,
                          "p": target.post.pk if target.post else None}, salt=STATE_SALT)


def state_read(state: str) -> Target | None:
    try:
        data = signing.loads(state or "", salt=STATE_SALT, max_age=STATE_MAX_AGE)
        affiliate = Affiliate.objects.unscoped().select_related("tenant").get(pk=int(data["a"]))
        post = (ProductPost.objects.for_tenant(affiliate.tenant_id).filter(pk=data["p"]).first()
                if data.get("p") else None)
    except (signing.BadSignature, Affiliate.DoesNotExist, KeyError, TypeError, ValueError):
        return None
    return Target(affiliate=affiliate, post=post)


def visit_record(*, target: Target, discord_user_id: str) -> LinkVisit | None:
    """The visitor, as Discord named them; None for the affiliate's own click (no
    self-referral) or an id that is not one."""
    affiliate = target.affiliate
    if not discord_user_id.isdigit() or len(discord_user_id) > 20:
        return None
    own = Customer.objects.for_tenant(affiliate.tenant_id).filter(
        pk=affiliate.customer_id, discord_user_id=discord_user_id).exists()
    if own:
        return None
    return LinkVisit.objects.create(tenant_id=affiliate.tenant_id, affiliate=affiliate,
                                    discord_user_id=discord_user_id, post=target.post,
                                    expires_at=timezone.now() + timedelta(days=LINK_DAYS))


def on_cart_item_added(sender: Any, cart: Any, **_kwargs: Any) -> None:
    """sales' receiver: the buyer's latest live visit becomes their referral (last click
    wins, as a code typed later does), once; older visits are spent with it."""
    customer = cart.customer
    visits = LinkVisit.objects.for_tenant(customer.tenant_id).filter(
        discord_user_id=customer.discord_user_id, bound_at__isnull=True,
        expires_at__gt=timezone.now())
    visit = visits.select_related("affiliate").order_by("-created_at", "-id").first()
    if visit is None:
        return
    with transaction.atomic():
        visits.update(bound_at=timezone.now())
        if visit.affiliate.customer_id == customer.pk or not program(customer.tenant)[0]:
            return
        Referral.objects.for_tenant(customer.tenant_id).update_or_create(
            tenant_id=customer.tenant_id, customer=customer,
            defaults={"affiliate": visit.affiliate})
