"""Perform deliveries: claim, call Discord (or the shop's URL), record the outcome, settle.

Work is claimed with a conditional UPDATE (pending -> running) and a row-count check, so two
workers never deliver the same row; no database transaction is held while Discord is called.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

import audit
from config.metrics import DELIVERIES
from sales import signals
from sales.fulfillment import discord_rest, messages, notices, registry, webhook
from sales.fulfillment.buyer import bot_token, send_to_buyer
from sales.fulfillment.errors import DeliveryError, from_discord
from sales.models import REVOKED_STATUSES, Delivery, Order
from sales.models import OrderStatus as S
from sales.state import order_transition

log = logging.getLogger(__name__)

# Waits between attempts (1 min, 5 min, 30 min, 2 h, 12 h); then the delivery fails.
BACKOFF = (60, 300, 1800, 7200, 43200)
MAX_ATTEMPTS = len(BACKOFF) + 1
LEFT_BEHIND_AFTER = timedelta(minutes=2)
STALE_AFTER = timedelta(minutes=15)
_ITEM_KINDS = (Delivery.Kind.STOCK, Delivery.Kind.CONTENT)
_SETTLEABLE = (S.PAID, S.DELIVERING)
_RESTARTABLE = (S.PAID, S.PARTIALLY_DELIVERED, S.DELIVERY_FAILED)


@dataclass(frozen=True)
class Outcome:
    result: str  # done | failed | retry | skipped
    countdown: int | None = None
    reason: str = ""


def _scope(tenant_id: int):
    return Delivery.objects.for_tenant(tenant_id)


def _load(tenant_id: int, delivery_id: int) -> Delivery:
    return _scope(tenant_id).select_related(
        "order__tenant", "order__customer", "line__variant").get(pk=delivery_id)


# -- claim and finish ----------------------------------------------------------------------

def delivery_claim(*, tenant_id: int, delivery_id: int) -> Delivery | None:
    claimed = _scope(tenant_id).filter(pk=delivery_id, state=Delivery.State.PENDING).update(
        state=Delivery.State.RUNNING, attempts=F("attempts") + 1, claimed_at=timezone.now())
    if not claimed:
        return None
    delivery = _load(tenant_id, delivery_id)
    order = delivery.order
    if order.status in _RESTARTABLE:
        order_transition(order=order, to=S.DELIVERING, actor="system",
                         reason="delivery started")
    return delivery


def _finish(delivery: Delivery, state: str, error: str = "", code: str = "") -> None:
    fields: dict[str, Any] = {"state": state, "last_error": error[:300],
                              "failure_code": code[:32]}
    if state == Delivery.State.DONE:
        fields["done_at"] = timezone.now()
    _scope(delivery.tenant_id).filter(pk=delivery.pk, state=Delivery.State.RUNNING).update(
        **fields)
    delivery.state = state
    if state == Delivery.State.DONE and delivery.kind == Delivery.Kind.ROLE:
        _revoke_if_refunded_meanwhile(delivery)


def _revoke_if_refunded_meanwhile(delivery: Delivery) -> None:
    """A refund that landed while the role was being granted leaves it to the revoke sweep."""
    status = Order.objects.for_tenant(delivery.tenant_id).filter(
        pk=delivery.order_id).values_list("status", flat=True).first()
    if status in REVOKED_STATUSES:
        _scope(delivery.tenant_id).filter(pk=delivery.pk, state=Delivery.State.DONE).update(
            state=Delivery.State.REVOKE)


def delivery_run(*, tenant_id: int, delivery_id: int) -> Outcome:
    """Claim and perform one delivery; the caller schedules a retry when told to."""
    delivery = delivery_claim(tenant_id=tenant_id, delivery_id=delivery_id)
    if delivery is None:
        # Done (or failed) already: a worker killed between finishing it and settling its
        # order leaves the order "delivering"; this re-run settles it (a no-op otherwise).
        order_id = _scope(tenant_id).filter(pk=delivery_id).values_list(
            "order_id", flat=True).first()
        if order_id is not None:
            order_settle(tenant_id=tenant_id, order_id=order_id)
        return Outcome("skipped")
    outcome = _attempt(delivery)
    order_settle(tenant_id=tenant_id, order_id=delivery.order_id)
    return outcome


def _perform(delivery: Delivery) -> str | None:
    perform = PERFORMERS.get(delivery.kind) or registry.performer_for(delivery.kind)
    if perform is None:  # the app that performs this kind is not installed (yet)
        raise DeliveryError(permanent=False, metric="no_performer",
                            reason=_("Nothing can deliver this kind of item right now; it "
                                     "will be retried."))
    return perform(delivery)


def _attempt(delivery: Delivery) -> Outcome:
    try:
        result = _perform(delivery)
    except DeliveryError as exc:
        return _failed_attempt(delivery, exc)
    except Exception:  # a bug must not leave the row claimed forever
        log.exception("delivery %s crashed", delivery.pk)
        return _failed_attempt(delivery, DeliveryError(
            permanent=False, reason=_("Internal error; it will be retried."), metric="crash"))
    if result == registry.WAITING:
        _finish(delivery, Delivery.State.WAITING)
        DELIVERIES.labels(result="waiting", reason=delivery.kind).inc()
        return Outcome("waiting")
    _finish(delivery, Delivery.State.DONE)
    DELIVERIES.labels(result="done", reason=delivery.kind).inc()
    return Outcome("done")


def _failed_attempt(delivery: Delivery, exc: DeliveryError) -> Outcome:
    if exc.permanent or delivery.attempts >= MAX_ATTEMPTS:
        _finish(delivery, Delivery.State.FAILED, exc.reason, exc.metric)
        DELIVERIES.labels(result="failed", reason=exc.metric).inc()
        log.warning("delivery %s failed: %s", delivery.pk, exc.metric)
        notices.enqueue_failure(delivery)  # the staff hears of it in their log channel
        return Outcome("failed", reason=exc.reason)
    _finish(delivery, Delivery.State.PENDING, exc.reason, exc.metric)
    DELIVERIES.labels(result="retry", reason=exc.metric).inc()
    countdown = BACKOFF[min(delivery.attempts, len(BACKOFF)) - 1]
    return Outcome("retry", countdown=countdown, reason=exc.reason)


@transaction.atomic
def order_settle(*, tenant_id: int, order_id: int) -> str | None:
    """When no delivery is left to do, move the order to its delivery outcome."""
    # The order row only (of=self): not the joined tenant row every order of the shop shares.
    order = (Order.objects.for_tenant(tenant_id).select_for_update(of=("self",))
             .select_related("tenant").filter(pk=order_id).first())
    if order is None or order.status not in _SETTLEABLE:
        return None
    rows = list(_scope(tenant_id).filter(order=order).values_list("state", "last_error"))
    states = [state for state, _err in rows]
    unfinished = (Delivery.State.PENDING, Delivery.State.RUNNING, Delivery.State.WAITING)
    if not states or any(s in unfinished for s in states):
        return None
    failed = [err for state, err in rows if state == Delivery.State.FAILED]
    done = states.count(Delivery.State.DONE)
    if not failed:
        to, reason = S.DELIVERED, "all deliveries done"
    elif done:
        to, reason = S.PARTIALLY_DELIVERED, failed[0]
    else:
        to, reason = S.DELIVERY_FAILED, failed[0]
    if order_transition(order=order, to=to, actor="system", reason=reason) and to == S.DELIVERED:
        signals.order_delivered.send(sender=Order, order=order)
    return to


def delivery_handoff_finish(*, tenant_id: int, delivery_id: int, done: bool,
                            reason: str = "", code: str = "") -> bool:
    """The provider a delivery was handed to reported its end (registry.WAITING): done, or
    failed with `reason`; then the order settles. False when it was not waiting (a replay)."""
    fields: dict[str, Any] = {"state": Delivery.State.DONE if done else Delivery.State.FAILED,
                              "last_error": reason[:300], "failure_code": code[:32]}
    if done:
        fields["done_at"] = timezone.now()
    moved = _scope(tenant_id).filter(pk=delivery_id, state=Delivery.State.WAITING).update(
        **fields)
    if not moved:
        return False
    delivery = _load(tenant_id, delivery_id)
    DELIVERIES.labels(result="done" if done else "failed", reason="handoff").inc()
    if not done:
        notices.enqueue_failure(delivery)
    order_settle(tenant_id=tenant_id, order_id=delivery.order_id)
    return True


def order_deliveries_pending(*, tenant_id: int, order_id: int) -> list[int]:
    return list(_scope(tenant_id).filter(order_id=order_id, state=Delivery.State.PENDING)
                .values_list("pk", flat=True))


# -- performers ----------------------------------------------------------------------------

def _deliver_items(delivery: Delivery, *, once: bool = True) -> None:
    items = messages.items_text(delivery)
    if not items.strip():
        raise DeliveryError(permanent=True, metric="no_items",
                            reason=_("Nothing to deliver: no sold items or content for this "
                                     "line."))
    send_to_buyer(delivery, messages.delivery_text(delivery, items), once=once)


def _grant_role(delivery: Delivery) -> None:
    tenant = delivery.order.tenant
    token, guild_id = bot_token(tenant), _guild(tenant)
    try:
        discord_rest.add_role(token=token, guild_id=guild_id, role_id=delivery.role_id,
                              user_id=delivery.order.customer.discord_user_id,
                              reason=f"Vitrine order #{delivery.order.code}")
    except discord_rest.DiscordError as exc:
        raise from_discord(exc, role=_role_label(exc, token, guild_id, delivery.role_id)) \
            from None


def _guild(tenant: Any) -> str:
    if not tenant.discord_guild_id:
        raise DeliveryError(permanent=True, metric="no_guild",
                            reason=_("The shop is not linked to a Discord server yet; run "
                                     "/vincular in the server."))
    return tenant.discord_guild_id


def _role_label(exc: discord_rest.DiscordError, token: str, guild_id: str, role_id: str) -> str:
    if exc.code != discord_rest.MISSING_PERMISSIONS:
        return role_id
    return discord_rest.role_name(token=token, guild_id=guild_id, role_id=role_id) or role_id


PERFORMERS = {
    Delivery.Kind.STOCK: _deliver_items,
    Delivery.Kind.CONTENT: _deliver_items,
    Delivery.Kind.ROLE: _grant_role,
    Delivery.Kind.EXTERNAL: webhook.post,
}


# -- roles: expiry and revocation ----------------------------------------------------------

def roles_expire(*, now: Any = None) -> list[tuple[int, int]]:
    """Mark timed roles that are due for removal; return every (tenant, delivery) to revoke."""
    now = now or timezone.now()
    due = Delivery.objects.unscoped().filter(kind=Delivery.Kind.ROLE, state=Delivery.State.DONE,
                                             expires_at__lte=now)
    due.update(state=Delivery.State.REVOKE)
    return list(Delivery.objects.unscoped().filter(state=Delivery.State.REVOKE)
                .order_by("id").values_list("tenant_id", "pk")[:1000])


def role_revoke_run(*, tenant_id: int, delivery_id: int) -> Outcome:
    claimed = _scope(tenant_id).filter(pk=delivery_id, state=Delivery.State.REVOKE).update(
        state=Delivery.State.RUNNING)
    if not claimed:
        return Outcome("skipped")
    delivery = _load(tenant_id, delivery_id)
    tenant = delivery.order.tenant
    try:
        discord_rest.remove_role(token=bot_token(tenant), guild_id=_guild(tenant),
                                 user_id=delivery.order.customer.discord_user_id,
                                 role_id=delivery.role_id, reason="Vitrine: role ended")
    except (discord_rest.DiscordError, DeliveryError) as exc:
        return _revoke_failed(delivery, exc)
    _finish(delivery, Delivery.State.REVOKED)
    DELIVERIES.labels(result="revoked", reason="role").inc()
    return Outcome("done")


def _revoke_failed(delivery: Delivery, exc: Exception) -> Outcome:
    gone = (discord_rest.UNKNOWN_MEMBER, discord_rest.UNKNOWN_ROLE)
    if isinstance(exc, discord_rest.DiscordError) and exc.code in gone:
        _finish(delivery, Delivery.State.REVOKED)  # the buyer or the role left: nothing to do
        return Outcome("done")
    error = exc if isinstance(exc, DeliveryError) else from_discord(exc)
    if not error.permanent:
        _finish(delivery, Delivery.State.REVOKE, error.reason)
        return Outcome("retry", countdown=BACKOFF[0], reason=error.reason)
    _finish(delivery, Delivery.State.FAILED,
            _("Could not remove the role: %(reason)s") % {"reason": error.reason}, error.metric)
    DELIVERIES.labels(result="revoke_failed", reason=error.metric).inc()
    return Outcome("failed", reason=error.reason)


# -- sweeps, re-sends and retries ----------------------------------------------------------

def deliveries_left_behind(*, now: Any = None) -> list[tuple[int, int]]:
    """Pending work never attempted (the enqueue after commit was lost)."""
    cutoff = (now or timezone.now()) - LEFT_BEHIND_AFTER
    return list(Delivery.objects.unscoped().filter(
        state=Delivery.State.PENDING, attempts=0, created_at__lte=cutoff)
        .order_by("id").values_list("tenant_id", "pk")[:1000])


def orders_unsettled(*, now: Any = None) -> list[tuple[int, int]]:
    """Orders left paid or delivering with no delivery unfinished: the worker died after the
    last delivery finished and before it settled the order, and its task is gone too.
    (tenant_id, order_id) pairs, for order_settle."""
    cutoff = (now or timezone.now()) - LEFT_BEHIND_AFTER
    unfinished = Delivery.objects.unscoped().filter(
        order=OuterRef("pk"), state__in=[Delivery.State.PENDING, Delivery.State.RUNNING,
                                         Delivery.State.WAITING])
    return list(Order.objects.unscoped().filter(
        status__in=_SETTLEABLE, updated_at__lte=cutoff, deliveries__isnull=False)
        .exclude(Exists(unfinished)).distinct().order_by("id")
        .values_list("tenant_id", "pk")[:1000])


def deliveries_stale(*, now: Any = None) -> list[tuple[int, int]]:
    """Running work whose worker died: back to pending, to be claimed again.

    STALE_AFTER is far above the task's hard time limit, so a live worker never loses its claim.
    """
    cutoff = (now or timezone.now()) - STALE_AFTER
    stale = list(Delivery.objects.unscoped().filter(
        state=Delivery.State.RUNNING, claimed_at__lte=cutoff)
        .order_by("id").values_list("tenant_id", "pk")[:1000])
    for tenant_id, delivery_id in stale:
        _scope(tenant_id).filter(pk=delivery_id, state=Delivery.State.RUNNING,
                                 claimed_at__lte=cutoff).update(state=Delivery.State.PENDING)
    return stale


def _actor_name(actor: Any) -> str:
    return f"user:{actor.pk}" if getattr(actor, "is_authenticated", False) else str(actor)


@transaction.atomic
def delivery_retry(*, delivery: Delivery, actor: Any, failure_code: str = "",
                   action: str = "delivery.retry", why: str = "") -> bool:
    """Put a failed delivery back in the queue (portal/admin "re-run", /meuspedidos, a buyer
    who rejoined). With `failure_code`, only a delivery that failed for that reason moves."""
    if Order.objects.for_tenant(delivery.tenant_id).filter(
            pk=delivery.order_id, status__in=REVOKED_STATUSES).exists():
        return False
    failed = _scope(delivery.tenant_id).filter(pk=delivery.pk, state=Delivery.State.FAILED)
    if failure_code:
        failed = failed.filter(failure_code=failure_code)
    moved = failed.update(state=Delivery.State.PENDING, attempts=0, last_error="",
                          failure_code="")
    if not moved:
        return False  # a concurrent retry took it first
    data = {"order": delivery.order.code, "by": _actor_name(actor)}
    if why:
        data.update(role_id=delivery.role_id, why=why)
    audit.record(actor=actor, tenant=delivery.tenant, action=action, target=delivery, data=data)
    from sales.fulfillment.enqueue import enqueue_delivery

    enqueue_delivery(delivery.tenant_id, delivery.pk)
    return True


@transaction.atomic
def delivery_resend(*, order: Order, actor: Any) -> int:
    """Send an order's items to the buyer again; failed ones are retried. Never sells a key."""
    if order.status in REVOKED_STATUSES or order.status == S.PENDING_PAYMENT:
        return 0
    from sales.fulfillment.enqueue import enqueue_resend

    count = 0
    for delivery in _scope(order.tenant_id).filter(order=order, kind__in=_ITEM_KINDS):
        if delivery.state == Delivery.State.DONE:
            enqueue_resend(order.tenant_id, delivery.pk)
            count += 1
        elif delivery.state == Delivery.State.FAILED:
            count += delivery_retry(delivery=delivery, actor=actor)
    if count:
        audit.record(actor=actor, tenant=order.tenant, action="delivery.resend", target=order,
                     data={"order": order.code, "by": _actor_name(actor)})
    return count


def delivery_send_again(*, tenant_id: int, delivery_id: int) -> Outcome:
    """The re-send itself: the same items, read back from the sale; state is unchanged."""
    delivery = _load(tenant_id, delivery_id)
    if delivery.state != Delivery.State.DONE or delivery.kind not in _ITEM_KINDS:
        return Outcome("skipped")
    try:
        _deliver_items(delivery, once=False)  # a re-send is meant to arrive again
    except DeliveryError as exc:
        DELIVERIES.labels(result="resend_failed", reason=exc.metric).inc()
        return Outcome("retry" if not exc.permanent else "failed", countdown=BACKOFF[0],
                       reason=exc.reason)
    DELIVERIES.labels(result="resent", reason=delivery.kind).inc()
    return Outcome("done")


def order_revokes_pending(*, tenant_id: int, order_id: int) -> list[int]:
    return list(_scope(tenant_id).filter(order_id=order_id, state=Delivery.State.REVOKE)
                .values_list("pk", flat=True))


# -- payment notices (PIX expired or cancelled) ----------------------------------------------

def _notice_text(order: Order, outcome: str) -> str:
    if outcome == "held":
        return _("Payment received for order #%(code)s. The shop is reviewing it before "
                 "delivery; you will get your items here as soon as it is approved.") % {
            "code": order.code}
    if outcome == "expired":
        return _("Your payment for order #%(code)s expired; use /loja to buy again.") % {
            "code": order.code}
    return _("Your payment for order #%(code)s was cancelled; use /loja to buy again.") % {
        "code": order.code}


def payment_notice_send(*, tenant_id: int, order_id: int, outcome: str) -> str:
    """DM the buyer that their payment expired or was cancelled, or ("held") that the paid
    order waits for the shop's review before delivery, in the shop's language.

    Best effort: closed DMs or a missing bot are logged and dropped (no retries, no fallback
    thread for a notice); only errors Discord says may pass are retried by the task.
    """
    order = (Order.objects.for_tenant(tenant_id).select_related("tenant", "customer")
             .filter(pk=order_id).first())
    wanted = (S.ON_HOLD,) if outcome == "held" else (S.EXPIRED, S.CANCELLED)
    if order is None or order.status not in wanted:
        return "skipped"  # paid late meanwhile, or gone
    token = bot_token(order.tenant)
    if not token or not order.customer.discord_user_id:
        log.info("payment_notice.skipped order=%s reason=no_bot_or_user", order.code)
        return "skipped"
    with translation.override(order.tenant.locale or None):
        text = _notice_text(order, outcome)
    try:
        discord_rest.send_dm(token=token, user_id=order.customer.discord_user_id, content=text)
    except discord_rest.DiscordError as exc:
        if exc.permanent:
            log.info("payment_notice.undeliverable order=%s code=%s", order.code, exc.code)
            return "failed"
        raise
    return "done"
