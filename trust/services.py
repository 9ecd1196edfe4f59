"""Writes for trust: blocks, settings, reviews (request, submit, reply, hide) and the release
of an order held for review (delivery itself stays sales' code path)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings as django_settings
from django.db import IntegrityError, transaction
from django.utils import timezone

import audit
from catalog.models import Product, ProductPost
from sales.errors import SalesError
from sales.models import Customer, Order, OrderLine, OrderStatus
from sales.services.customers import customer_set_blocked
from sales.services.orders import order_release_hold
from tenants.models import Tenant
from trust import selectors, signals
from trust.models import EDIT_WINDOW, Block, Review, ReviewRequest, TrustSettings

log = logging.getLogger(__name__)

REVIEWABLE = (OrderStatus.DELIVERED, OrderStatus.PARTIALLY_DELIVERED)


class TrustError(ValueError):
    """A refused owner action (the portal shows the message)."""


# -- blocks ---------------------------------------------------------------------------------
# One truth for "blocked in this shop": the Block rows. Customer.is_blocked (which sales checks
# when a cart changes) mirrors them: block_add sets it and block_remove clears it, for the
# shop's customer with that Discord id, so the customers page, the cart and the checkout guard
# agree. The portal's Customers "Block" button goes through block_add too. Expired blocks stop
# counting at checkout at once; the sweep (blocks_expire) then removes them and the mirror.

def _customer(tenant: Tenant, discord_user_id: str) -> Customer | None:
    if not discord_user_id:
        return None
    return Customer.objects.for_tenant(tenant).filter(discord_user_id=discord_user_id).first()


@transaction.atomic
def block_add(*, tenant: Tenant | None, discord_user_id: str, reason: str, actor: Any,
              source: str = Block.Source.OWNER, expires_at: datetime | None = None,
              payer_email: str = "") -> Block:
    """Block a buyer in `tenant` (None: in every shop, the operators' list). Blocking someone
    already blocked updates that block (reason, expiry) and keeps one row."""
    discord_user_id, payer_email = discord_user_id.strip(), payer_email.strip().lower()
    if not discord_user_id and not payer_email:
        raise TrustError("a block names a Discord user id or a payer email")
    user = actor if getattr(actor, "pk", None) else None
    manager = Block.platform if tenant is None else Block.objects.for_tenant(tenant)
    block = manager.filter(discord_user_id=discord_user_id, payer_email=payer_email).first() \
        if discord_user_id or payer_email else None
    fields = {"reason": reason.strip()[:200], "source": source, "expires_at": expires_at}
    if block is None:
        try:
            with transaction.atomic():
                block = Block.objects.create(tenant=tenant, discord_user_id=discord_user_id,
                                             payer_email=payer_email, created_by=user, **fields)
        except IntegrityError:  # a concurrent add (or the same id with another email) won
            block = manager.get(discord_user_id=discord_user_id)
            Block.objects.unscoped().filter(pk=block.pk).update(**fields)
    else:
        Block.objects.unscoped().filter(pk=block.pk).update(**fields)
        for name, value in fields.items():
            setattr(block, name, value)
    if tenant is not None and (customer := _customer(tenant, discord_user_id)):
        customer_set_blocked(customer=customer, actor=actor, blocked=True, reason=reason)
    audit.record(actor=user, tenant=tenant, action="trust.block_add", target=block,
                 data={"discord_user_id": discord_user_id, "payer_email": payer_email,
                       "reason": fields["reason"], "source": source,
                       "expires_at": expires_at.isoformat() if expires_at else None})
    return block


@transaction.atomic
def block_remove(*, block: Block, actor: Any, reason: str = "") -> None:
    """Undo a block (the owner's undo of a dispute's block too)."""
    user = actor if getattr(actor, "pk", None) else None
    tenant = block.tenant
    if tenant is not None and (customer := _customer(tenant, block.discord_user_id)):
        customer_set_blocked(customer=customer, actor=actor, blocked=False, reason=reason)
    audit.record(actor=user, tenant=tenant, action="trust.block_remove", target=block,
                 data={"discord_user_id": block.discord_user_id,
                       "payer_email": block.payer_email, "source": block.source,
                       "reason": reason[:200]})
    Block.objects.unscoped().filter(pk=block.pk).delete()


def blocks_expire(*, now: datetime | None = None) -> int:
    """Sweep: blocks past their expiry are removed (and the customers unblocked)."""
    expired = selectors.blocks_expired(now=now)
    for block in expired:
        block_remove(block=block, actor=None, reason="expired")
    return len(expired)


# -- settings -------------------------------------------------------------------------------

RULE_FIELDS = ("min_account_age_days", "max_orders_per_hour", "max_orders_per_day",
               "max_amount_per_hour_cents", "max_amount_per_day_cents",
               "review_first_purchase_above_cents")
REVIEW_FIELDS = ("reviews_enabled", "reviews_channel_id")


@transaction.atomic
def trust_settings_update(*, tenant: Tenant, actor: Any, **values: Any) -> TrustSettings:
    """Change some of the shop's trust settings; the audit line has what changed."""
    unknown = set(values) - set(RULE_FIELDS) - set(REVIEW_FIELDS)
    if unknown:
        raise TypeError(f"unknown trust settings: {sorted(unknown)}")
    current, _ = TrustSettings.objects.select_for_update().get_or_create(tenant=tenant)
    changed = {k: v for k, v in values.items() if getattr(current, k) != v}
    for name, value in changed.items():
        setattr(current, name, value)
    if changed:
        current.save()
        audit.record(actor=actor, tenant=tenant, action="trust.settings_update", target=current,
                     data={"changed": {k: v for k, v in changed.items()}})
    return current


# -- reviews --------------------------------------------------------------------------------

def on_order_delivered(sender: Any, *, order: Order, **kwargs: Any) -> None:
    """sales.signals.order_delivered: ask the buyer for a review, once per order."""
    settings = selectors.trust_settings(tenant=order.tenant)
    if settings is not None and not settings.reviews_enabled:
        return
    delay = timedelta(minutes=django_settings.TRUST_REVIEW_DELAY_MINUTES)
    request, created = ReviewRequest.objects.get_or_create(
        tenant_id=order.tenant_id, order=order, defaults={"due_at": timezone.now() + delay})
    if created and not delay:
        from trust.enqueue import enqueue_review_request

        enqueue_review_request(order.tenant_id, request.pk)  # else the beat sweep, when due


def review_request_sent(*, request: ReviewRequest, channel_id: str, message_id: str) -> None:
    ReviewRequest.objects.for_tenant(request.tenant_id).filter(pk=request.pk).update(
        state=ReviewRequest.State.SENT, dm_channel_id=channel_id, dm_message_id=message_id,
        sent_at=timezone.now(), last_error="")


def review_request_failed(*, request: ReviewRequest, error: str) -> None:
    ReviewRequest.objects.for_tenant(request.tenant_id).filter(pk=request.pk).update(
        state=ReviewRequest.State.FAILED, last_error=error[:200])


def _reviewable_order(tenant: Tenant, code: str, discord_user_id: str) -> Order:
    order = (Order.objects.for_tenant(tenant).select_related("customer", "tenant")
             .filter(code=code.upper()).first())
    if order is None:
        raise SalesError("order_not_found")
    if order.customer.discord_user_id != discord_user_id or order.status not in REVIEWABLE:
        raise SalesError("review_not_allowed")
    return order


@transaction.atomic
def review_submit(*, tenant: Tenant, code: str, discord_user_id: str, stars: int,
                  comment: str = "") -> tuple[Review, bool]:
    """The buyer's stars (1-5) and comment for their delivered order: created, or edited
    within 7 days of the first submission. Returns (review, created)."""
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise SalesError("invalid_request")
    order = _reviewable_order(tenant, code, discord_user_id)
    comment = comment.strip()[:1000]
    review = (Review.objects.for_tenant(tenant).select_for_update()
              .filter(order=order).first())
    created = review is None
    if created:
        review = Review.objects.create(tenant=tenant, order=order, customer=order.customer,
                                       stars=stars, comment=comment)
        review.products.set(_order_products(order))
        signals.review_created.send(sender=Review, review=review)
    else:
        if timezone.now() > review.created_at + EDIT_WINDOW:
            raise SalesError("review_locked")
        review.stars, review.comment = stars, comment
        review.save(update_fields=["stars", "comment", "updated_at"])
    _after_change(review)
    return review, created


def _order_products(order: Order) -> list[Product]:
    ids = (OrderLine.objects.for_tenant(order.tenant_id).filter(order=order)
           .exclude(variant__isnull=True).values_list("variant__product_id", flat=True))
    return list(Product.objects.for_tenant(order.tenant_id).filter(pk__in=set(ids)))


def _after_change(review: Review) -> None:
    """The channel post follows the review; product posts show the new average."""
    from trust.enqueue import enqueue_review_publish

    ProductPost.objects.for_tenant(review.tenant_id).filter(
        product__in=review.products.all()).update(needs_refresh=True)
    enqueue_review_publish(review.tenant_id, review.pk)


@transaction.atomic
def review_reply(*, review: Review, actor: Any, text: str) -> Review:
    """The owner's public answer ("" removes it); the stars are never the owner's to change."""
    text = text.strip()[:1000]
    review.reply = text
    review.replied_at = timezone.now() if text else None
    review.save(update_fields=["reply", "replied_at", "updated_at"])
    audit.record(actor=actor, tenant=review.tenant, action="trust.review_reply", target=review,
                 data={"order": review.order.code, "reply": text})
    _after_change(review)
    return review


@transaction.atomic
def review_hide(*, review: Review, actor: Any, reason: str) -> Review:
    """Hide an abusive review from averages and the channel; the reason is required."""
    reason = reason.strip()[:200]
    if not reason:
        raise TrustError("say why the review is hidden")
    review.hidden_at, review.hidden_reason = timezone.now(), reason
    review.save(update_fields=["hidden_at", "hidden_reason", "updated_at"])
    audit.record(actor=actor, tenant=review.tenant, action="trust.review_hide", target=review,
                 data={"order": review.order.code, "reason": reason, "stars": review.stars})
    _after_change(review)
    return review


@transaction.atomic
def review_unhide(*, review: Review, actor: Any) -> Review:
    review.hidden_at, review.hidden_reason = None, ""
    review.save(update_fields=["hidden_at", "hidden_reason", "updated_at"])
    audit.record(actor=actor, tenant=review.tenant, action="trust.review_unhide",
                 target=review, data={"order": review.order.code})
    _after_change(review)
    return review


def review_published(*, review: Review, message_id: str) -> None:
    Review.objects.for_tenant(review.tenant_id).filter(pk=review.pk).update(
        channel_message_id=message_id)


# -- manual review of held orders -----------------------------------------------------------

def order_approve(*, order: Order, actor: Any, actor_label: str = "") -> None:
    """Release an order a risk rule held; sales creates and enqueues its deliveries. Raises
    order_not_held when it is not waiting (already released, refunded)."""
    if not order_release_hold(order=order, actor=actor, actor_label=actor_label):
        raise SalesError("order_not_held", order=order.code)
