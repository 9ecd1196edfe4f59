"""Reads for trust: blocks, settings, reviews and their averages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone

from tenants.models import Tenant
from trust.models import Block, Review, TrustSettings


def _active(qs: QuerySet[Block], now: datetime) -> QuerySet[Block]:
    return qs.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def _naming(discord_user_id: str, payer_emails: tuple[str, ...]) -> Q:
    who = Q(discord_user_id=discord_user_id) if discord_user_id else Q(pk__in=[])
    emails = sorted({e.strip().lower() for e in payer_emails if e and e.strip()})
    if emails:  # block_add stores them lowercased
        who |= Q(payer_email__in=emails)
    return who


def active_block(*, tenant: Tenant, discord_user_id: str, payer_emails: tuple[str, ...] = (),
                 now: datetime | None = None) -> Block | None:
    """The block that stops this buyer in this shop: the platform's first, then the shop's.
    One SELECT with an OR over the two lists (cross-tenant by name), never a UNION: SQLite
    refuses ORDER BY inside compound selects, and this runs in every checkout."""
    now = now or timezone.now()
    lists = Q(tenant=tenant) | Q(tenant__isnull=True)
    qs = Block.objects.unscoped().filter(lists).filter(_naming(discord_user_id, payer_emails))
    return _active(qs, now).order_by(F("tenant").asc(nulls_first=True), "pk").first()


def shop_blocks(*, tenant: Tenant, query: str = "") -> QuerySet[Block]:
    qs = Block.objects.for_tenant(tenant).select_related("created_by")
    if query:
        qs = qs.filter(Q(discord_user_id=query) | Q(payer_email__icontains=query)
                       | Q(reason__icontains=query))
    return qs.order_by("-created_at", "-id")


def shop_block(*, tenant: Tenant, pk: int) -> Block | None:
    return Block.objects.for_tenant(tenant).filter(pk=pk).first()


def blocks_expired(*, now: datetime | None = None) -> list[Block]:
    """Every block (shop or platform) whose expiry passed; the sweep removes them."""
    now = now or timezone.now()
    return list(Block.objects.unscoped().select_related("tenant")
                .filter(expires_at__lte=now).order_by("pk")[:500])


def trust_settings(*, tenant: Tenant) -> TrustSettings | None:
    return TrustSettings.objects.for_tenant(tenant).first()


def order_review(*, order: Any) -> Review | None:
    """The order's review, if its buyer wrote one (disputes' evidence bundle reads this)."""
    return Review.objects.for_tenant(order.tenant_id).filter(order=order).first()


@dataclass(frozen=True)
class Rating:
    average: float
    count: int

    @property
    def display(self) -> str:
        """4.7 as "4,7"/"4.7" is the caller's business; one decimal, rounded half up."""
        return f"{self.average:.1f}"

    @property
    def full_stars(self) -> int:
        return int(self.average + 0.5)


def _rating(row: dict) -> Rating | None:
    return Rating(float(row["avg"]), int(row["n"])) if row.get("n") else None


def visible_reviews(*, tenant: Tenant) -> QuerySet[Review]:
    return Review.objects.for_tenant(tenant).filter(hidden_at__isnull=True)


def shop_rating(*, tenant: Tenant) -> Rating | None:
    return _rating(visible_reviews(tenant=tenant).aggregate(avg=Avg("stars"), n=Count("id")))


def product_ratings(*, tenant: Tenant) -> dict[int, Rating]:
    """Average and count of visible reviews per product id (one query)."""
    rows = (visible_reviews(tenant=tenant).filter(products__isnull=False)
            .values("products").annotate(avg=Avg("stars"), n=Count("id")).order_by())
    return {row["products"]: Rating(float(row["avg"]), int(row["n"])) for row in rows}


def reviews(*, tenant: Tenant, stars: int | None = None, product_id: int | None = None,
            date_from: date | None = None, date_to: date | None = None,
            hidden: str = "") -> QuerySet[Review]:
    """The portal's list, newest first, with the filters of its form."""
    qs = (Review.objects.for_tenant(tenant).select_related("order", "customer")
          .prefetch_related("products"))
    if stars:
        qs = qs.filter(stars=stars)
    if product_id:
        qs = qs.filter(products__id=product_id)
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(created_at__gte=datetime.combine(date_from, time.min, tz))
    if date_to:
        qs = qs.filter(created_at__lt=datetime.combine(date_to + timedelta(days=1), time.min,
                                                       tz))
    if hidden == "visible":
        qs = qs.filter(hidden_at__isnull=True)
    elif hidden == "hidden":
        qs = qs.filter(hidden_at__isnull=False)
    return qs.order_by("-created_at", "-id").distinct()


def review_detail(*, tenant: Tenant, pk: int) -> Review | None:
    return (Review.objects.for_tenant(tenant).select_related("order", "customer")
            .filter(pk=pk).first())


def star_counts(*, tenant: Tenant) -> dict[int, int]:
    """How many visible reviews gave 1..5 stars (the portal's distribution bars)."""
    rows = visible_reviews(tenant=tenant).values("stars").annotate(n=Count("id")).order_by()
    counts = {n: 0 for n in range(1, 6)}
    counts.update({row["stars"]: row["n"] for row in rows})
    return counts
