"""SMM panel delivery: place the order at the panel after payment, check its status on a
due-time schedule with backoff, refund what the panel did not deliver, refills, and the
low-balance alert.

Placing is the "service" delivery performer (registered with sales in apps.py): the delivery
stays WAITING at sales until a status check finds the panel done, then
`delivery_handoff_finish` settles it. No transaction is held while a panel is called.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from catalog.fields import answer_value
from sales.errors import SalesError
from sales.fulfillment.errors import DeliveryError
from sales.fulfillment.registry import WAITING
from sales.fulfillment.services import delivery_handoff_finish
from sales.models import Delivery, Order
from sales.services.refunds import RefundActor, order_refund
from smm import notify
from smm.client import PanelClient, PanelError, Status
from smm.models import Panel, PanelOrder, Refill, ServiceMapping
from tenants.due import rows_claim_due

log = logging.getLogger(__name__)

FIRST_CHECK = 60  # seconds after placing
# Waits between status checks while nothing moves (1 min ... then hourly); progress at the
# panel brings the next check back to the start of the ladder.
CHECK_BACKOFF = (60, 120, 300, 600, 1200, 1800, 3600)
LEASE = timedelta(minutes=5)  # a claimed row comes back if its worker dies
REFUND_RETRY = timedelta(minutes=10)
BALANCE_EVERY = timedelta(minutes=10)
SWEEP_BATCH = 500
_S = PanelOrder.Status
ACTIVE = (_S.PENDING, _S.IN_PROGRESS, _S.PROCESSING)
FINAL = (_S.COMPLETED, _S.PARTIAL, _S.CANCELED, _S.FAILED)


def panel_of(tenant_id: int) -> Panel | None:
    return Panel.objects.for_tenant(tenant_id).first()


def client_for(panel: Panel) -> PanelClient:
    return PanelClient(url=panel.url, key=panel.api_key)


# -- placing (the delivery performer) ----------------------------------------------------------

def _permanent(metric: str, reason: str) -> DeliveryError:
    return DeliveryError(permanent=True, metric=metric, reason=reason)


def _mapping(delivery: Delivery) -> ServiceMapping:
    mapping = ServiceMapping.objects.for_tenant(delivery.tenant_id).filter(
        variant_id=delivery.line.variant_id).first()
    if mapping is None:
        raise _permanent("smm_no_service", _("This variant has no SMM panel service set up."))
    return mapping


def delivery_place(delivery: Delivery) -> str:
    """Order the line's service at the shop's panel; WAITING until a status check ends it."""
    existing = PanelOrder.objects.for_tenant(delivery.tenant_id).filter(
        delivery_id=delivery.pk).first()
    if existing is not None and existing.panel_order_id:
        return WAITING  # placed before (a replayed or retried delivery): never twice
    panel = panel_of(delivery.tenant_id)
    if panel is None:
        raise _permanent("smm_no_panel", _("Set up the SMM panel in the portal first."))
    mapping = _mapping(delivery)
    link = answer_value(delivery.line.answers or [], mapping.link_field)
    if not link:
        raise _permanent("smm_no_link", _("The buyer's answer with the link is missing."))
    po = existing or _placing_row(delivery, mapping, link)
    try:
        panel_id = client_for(panel).add(service=po.service_id, link=po.link,
                                         quantity=po.quantity)
    except PanelError as exc:
        raise _placing_failed(po, exc) from None
    now = timezone.now()
    PanelOrder.objects.for_tenant(po.tenant_id).filter(pk=po.pk).update(
        panel_order_id=panel_id, status=_S.PENDING, last_error="",
        next_check_at=now + timedelta(seconds=FIRST_CHECK), updated_at=now)
    log.info("smm.placed order=%s panel_order=%s", delivery.order.code, panel_id)
    return WAITING


def _placing_row(delivery: Delivery, mapping: ServiceMapping, link: str) -> PanelOrder:
    try:
        with transaction.atomic():
            return PanelOrder.objects.create(
                tenant_id=delivery.tenant_id, delivery=delivery, order_id=delivery.order_id,
                service_id=mapping.service_id, link=link[:300],
                quantity=mapping.quantity_per_unit * delivery.line.quantity,
                refill_allowed=mapping.refill)
    except IntegrityError:  # a concurrent attempt created it: it owns the placing
        raise DeliveryError(permanent=False, metric="smm_busy",
                            reason=_("The order is being placed at the panel.")) from None


def _placing_failed(po: PanelOrder, exc: PanelError) -> DeliveryError:
    uncertain = exc.sent and not exc.permanent
    PanelOrder.objects.for_tenant(po.tenant_id).filter(pk=po.pk).update(
        last_error=exc.message, updated_at=timezone.now(),
        status=_S.FAILED if exc.permanent or uncertain else _S.PLACING)
    if exc.permanent:
        return _permanent("smm_refused", _("The SMM panel refused the order: %(error)s")
                          % {"error": exc.message})
    if uncertain:
        # The panel may have taken it: ordering again could buy it twice. Staff decides.
        return _permanent("smm_uncertain", _(
            "The SMM panel did not answer while ordering; check at the panel whether the "
            "order exists before running the delivery again."))
    # Never applied (unreachable, or "not enough funds"): the worker retries with backoff.
    return DeliveryError(permanent=False, metric="smm_unavailable",
                         reason=_("The SMM panel could not take the order now (%(error)s); "
                                  "it will be retried.") % {"error": exc.message})


# -- the due-time queue ----------------------------------------------------------------------

def orders_claim_due(*, now: Any = None, limit: int = SWEEP_BATCH) -> dict[int, list[int]]:
    """Rows whose check is due, claimed (next check pushed by LEASE with a conditional UPDATE,
    so a concurrent sweep or a slow worker never checks one twice); by tenant."""
    return _by_tenant(rows_claim_due(PanelOrder, field="next_check_at", lease=LEASE, now=now,
                                     limit=limit))


def refills_claim_due(*, now: Any = None, limit: int = SWEEP_BATCH) -> dict[int, list[int]]:
    return _by_tenant(rows_claim_due(Refill, field="next_check_at", lease=LEASE, now=now,
                                     limit=limit))


def _by_tenant(rows: list[tuple[int, int]]) -> dict[int, list[int]]:
    claimed: dict[int, list[int]] = {}
    for tenant_id, pk in rows:
        claimed.setdefault(tenant_id, []).append(pk)
    return claimed


def _backoff(checks: int) -> timedelta:
    return timedelta(seconds=CHECK_BACKOFF[min(max(checks, 1), len(CHECK_BACKOFF)) - 1])


def orders_check(*, tenant_id: int, ids: list[int]) -> dict[str, int]:
    """Check the claimed orders of one shop with one multi-status call per 100; refunds that
    are due are run instead of a check."""
    rows = list(PanelOrder.objects.for_tenant(tenant_id).filter(pk__in=ids))
    counts = {"checked": 0, "refunds": 0}
    for po in rows:
        if po.refund_state == PanelOrder.Refund.DUE:
            refund_run(tenant_id=tenant_id, panel_order_id=po.pk)
            counts["refunds"] += 1
    active = [po for po in rows if po.status in ACTIVE and po.panel_order_id]
    panel = panel_of(tenant_id)
    if not active or panel is None:
        return counts
    client = client_for(panel)
    for start in range(0, len(active), 100):
        batch = active[start:start + 100]
        try:
            answers = client.multi_status([po.panel_order_id for po in batch])
        except PanelError as exc:
            for po in batch:
                _check_failed(po, exc.message)
            continue
        for po in batch:
            answer = answers.get(po.panel_order_id)
            if isinstance(answer, Status):
                status_apply(panel_order=po, status=answer)
            else:
                _check_failed(po, getattr(answer, "message", "missing"))
            counts["checked"] += 1
    balance_check(panel=panel)
    return counts


def _check_failed(po: PanelOrder, error: str) -> None:
    checks = po.checks + 1
    PanelOrder.objects.for_tenant(po.tenant_id).filter(pk=po.pk).update(
        checks=checks, last_error=error[:300], next_check_at=timezone.now() + _backoff(checks),
        updated_at=timezone.now())


def status_apply(*, panel_order: PanelOrder, status: Status) -> str:
    """What one status answer does: progress (next check scheduled), or the end: completed
    (delivered), partial (the undelivered share refunded), canceled (the line refunded)."""
    po = panel_order
    now = timezone.now()
    moved = status.remains != po.remains or status.status != po.status
    checks = 1 if moved else po.checks + 1
    fields: dict[str, Any] = {"status": status.status, "charge": status.charge,
                              "start_count": status.start_count, "remains": status.remains,
                              "checks": checks, "last_error": "", "updated_at": now}
    if status.status in ACTIVE:
        fields["next_check_at"] = now + _backoff(checks)
        PanelOrder.objects.for_tenant(po.tenant_id).filter(pk=po.pk, status=po.status).update(
            **fields)
        return status.status
    return _finish(po, status, fields, now)


@transaction.atomic
def _finish(po: PanelOrder, status: Status, fields: dict[str, Any], now: Any) -> str:
    refund = _refund_due(po, status)
    fields.update(finished_at=now, next_check_at=now if refund else None,
                  refund_cents=refund, refund_state=PanelOrder.Refund.DUE if refund
                  else PanelOrder.Refund.NONE)
    moved = PanelOrder.objects.for_tenant(po.tenant_id).filter(
        pk=po.pk, status__in=ACTIVE).update(**fields)
    if not moved:
        return po.status  # another check finished it first
    code = po.order.code if po.order_id else ""
    if status.status == _S.CANCELED:
        delivery_handoff_finish(tenant_id=po.tenant_id, delivery_id=po.delivery_id, done=False,
                                reason=_("The SMM panel cancelled the order; it is refunded."),
                                code="smm_canceled")
    else:
        delivery_handoff_finish(tenant_id=po.tenant_id, delivery_id=po.delivery_id, done=True)
    audit.record(actor=None, tenant=po.tenant, action=f"smm.order_{status.status}", target=po,
                 data={"order": code, "panel_order": po.panel_order_id,
                       "remains": status.remains, "refund_cents": refund})
    if refund:
        tenant_id, pk = po.tenant_id, po.pk
        transaction.on_commit(lambda: notify.enqueue_refund(tenant_id, pk))
    return status.status


def _refund_due(po: PanelOrder, status: Status) -> int:
    """The line's price share the panel did not deliver, in centavos (rounded half up)."""
    line_total = po.delivery.line.line_total_cents
    if status.status == _S.CANCELED:
        return line_total
    if status.status != _S.PARTIAL or not status.remains or po.quantity <= 0:
        return 0
    remains = min(int(status.remains), po.quantity)
    return (line_total * remains * 2 + po.quantity) // (2 * po.quantity)


# -- refunds ---------------------------------------------------------------------------------

def refund_run(*, tenant_id: int, panel_order_id: int) -> str:
    """Give back `refund_cents` to the buyer's payment method (claimed: due -> running).
    A provider outage puts it back in the queue for REFUND_RETRY."""
    scope = PanelOrder.objects.for_tenant(tenant_id)
    if not scope.filter(pk=panel_order_id, refund_state=PanelOrder.Refund.DUE).update(
            refund_state=PanelOrder.Refund.RUNNING, next_check_at=None):
        return "skipped"
    po = scope.select_related("order__tenant").get(pk=panel_order_id)
    order = po.order
    full = po.refund_cents >= order.total_cents
    reason = (f"SMM panel {po.status}: {po.remains or 0} of {po.quantity} not delivered"
              if po.status == _S.PARTIAL else f"SMM panel {po.status}")
    try:
        order_refund(order=order, by=RefundActor.system("smm"), reason=reason,
                     amount_cents=None if full else po.refund_cents)
    except SalesError as exc:
        if exc.extra.get("retryable"):
            scope.filter(pk=po.pk).update(refund_state=PanelOrder.Refund.DUE,
                                          next_check_at=timezone.now() + REFUND_RETRY,
                                          last_error=exc.code)
            return "retry"
        scope.filter(pk=po.pk).update(refund_state=PanelOrder.Refund.FAILED,
                                      last_error=exc.code)
        audit.record(actor=None, tenant=order.tenant, action="smm.refund_failed", target=po,
                     data={"order": order.code, "error": exc.code,
                           "refund_cents": po.refund_cents})
        return "failed"
    scope.filter(pk=po.pk).update(refund_state=PanelOrder.Refund.DONE)
    return "done"


# -- refills ---------------------------------------------------------------------------------

class RefillError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def refill_request(*, tenant_id: int, discord_user_id: str, panel_order_id: int) -> Refill:
    """The buyer asks the panel to refill a finished order of theirs, where allowed."""
    po = (PanelOrder.objects.for_tenant(tenant_id).select_related("order__customer")
          .filter(pk=panel_order_id, order__customer__discord_user_id=discord_user_id).first())
    if po is None:
        raise RefillError("not_found")
    if not po.refill_allowed or po.status not in (_S.COMPLETED, _S.PARTIAL):
        raise RefillError("not_allowed")
    if po.refills.filter(next_check_at__isnull=False).exists():
        raise RefillError("in_progress")
    panel = panel_of(tenant_id)
    if panel is None:
        raise RefillError("not_allowed")
    try:
        refill_id = client_for(panel).refill(po.panel_order_id)
    except PanelError as exc:
        raise RefillError("refused" if exc.permanent else "unavailable") from None
    refill = Refill.objects.create(tenant_id=tenant_id, panel_order=po,
                                   panel_refill_id=refill_id, status="Pending",
                                   next_check_at=timezone.now() + _backoff(1))
    audit.record(actor=None, tenant=po.order.tenant, action="smm.refill", target=po,
                 data={"order": po.order.code, "refill": refill_id,
                       "discord_user_id": discord_user_id})
    return refill


def refills_check(*, tenant_id: int, ids: list[int]) -> int:
    panel = panel_of(tenant_id)
    if panel is None:
        return 0
    client = client_for(panel)
    checked = 0
    for refill in Refill.objects.for_tenant(tenant_id).filter(pk__in=ids):
        try:
            status = client.refill_status(refill.panel_refill_id)
        except PanelError as exc:
            status = refill.status if not exc.permanent else "Rejected"
        checks = refill.checks + 1
        done = status.lower() in ("completed", "rejected", "canceled", "cancelled", "error")
        Refill.objects.for_tenant(tenant_id).filter(pk=refill.pk).update(
            status=status, checks=checks, updated_at=timezone.now(),
            next_check_at=None if done else timezone.now() + _backoff(checks))
        checked += 1
    return checked


# -- balance ---------------------------------------------------------------------------------

def balance_check(*, panel: Panel, force: bool = False) -> Decimal | None:
    """Read the panel's balance (at most every BALANCE_EVERY); tell the owner once when it
    falls below their threshold, and again only after it went back above."""
    now = timezone.now()
    if not force and panel.balance_checked_at and now - panel.balance_checked_at < BALANCE_EVERY:
        return panel.balance
    try:
        balance, currency = client_for(panel).balance()
    except PanelError as exc:
        log.info("smm.balance_unavailable tenant=%s error=%s", panel.tenant_id, exc.message)
        return None
    low = panel.balance_alert_below is not None and balance < panel.balance_alert_below
    scope = Panel.objects.for_tenant(panel.tenant_id).filter(pk=panel.pk)
    scope.update(balance=balance, balance_currency=currency, balance_checked_at=now)
    if not low:
        scope.filter(balance_alerted_at__isnull=False).update(balance_alerted_at=None)
    elif scope.filter(balance_alerted_at__isnull=True).update(balance_alerted_at=now):
        audit.record(actor=None, tenant=panel.tenant, action="smm.balance_low", target=panel,
                     data={"balance": str(balance), "currency": currency,
                           "threshold": str(panel.balance_alert_below)})
        notify.balance_low(panel=panel, balance=balance, currency=currency)
    panel.balance, panel.balance_currency, panel.balance_checked_at = balance, currency, now
    return balance


# -- settings (portal) -----------------------------------------------------------------------

@transaction.atomic
def panel_save(*, tenant: Any, actor: Any, url: str, api_key: str,
               balance_alert_below: Decimal | None) -> Panel:
    """Create or update the shop's panel; an empty `api_key` keeps the stored one."""
    panel = Panel.objects.for_tenant(tenant).select_for_update().first()
    if panel is None:
        panel = Panel(tenant=tenant, api_key=api_key)
    panel.url = url
    if api_key:
        panel.api_key = api_key
    panel.balance_alert_below = balance_alert_below
    panel.balance_alerted_at = None
    panel.save()
    # The panel is asked by a worker after the commit: no outside call in a web request.
    tenant_id = panel.tenant_id
    transaction.on_commit(lambda: notify.enqueue_balance(tenant_id))
    audit.record(actor=actor, tenant=tenant, action="smm.panel_saved", target=panel,
                 data={"url": url, "key_changed": bool(api_key),
                       "balance_alert_below": str(balance_alert_below or "")})
    return panel


@transaction.atomic
def mapping_save(*, tenant: Any, actor: Any, variant: Any, service_id: int,
                 quantity_per_unit: int, link_field: str, refill: bool) -> ServiceMapping:
    mapping, _created = ServiceMapping.objects.for_tenant(tenant).update_or_create(
        variant=variant, defaults={"tenant": tenant, "service_id": service_id,
                                   "quantity_per_unit": quantity_per_unit,
                                   "link_field": link_field, "refill": refill})
    audit.record(actor=actor, tenant=tenant, action="smm.service_saved", target=mapping,
                 data={"variant": variant.pk, "service_id": service_id,
                       "quantity_per_unit": quantity_per_unit, "link_field": link_field})
    return mapping


# -- refunds and chargebacks from elsewhere --------------------------------------------------

def on_order_revoked(sender: Any, order: Order, status: str, **_kw: Any) -> None:
    """sales.signals.order_revoked: stop checking the order's panel orders (the money went
    back); a cancel is asked at the panel after the commit, best effort."""
    rows = PanelOrder.objects.for_tenant(order.tenant_id).filter(order=order, status__in=ACTIVE)
    ids = list(rows.values_list("pk", flat=True))
    if not ids:
        return
    rows.update(next_check_at=None, last_error=f"order {status}", updated_at=timezone.now())
    tenant_id = order.tenant_id
    transaction.on_commit(lambda: notify.enqueue_cancel(tenant_id, ids))


def orders_cancel(*, tenant_id: int, ids: list[int]) -> dict[str, bool]:
    panel = panel_of(tenant_id)
    rows = list(PanelOrder.objects.for_tenant(tenant_id).filter(pk__in=ids)
                .exclude(panel_order_id=""))
    if panel is None or not rows:
        return {}
    try:
        answers = client_for(panel).cancel([po.panel_order_id for po in rows])
    except PanelError as exc:
        log.info("smm.cancel_failed tenant=%s error=%s", tenant_id, exc.message)
        return {}
    PanelOrder.objects.for_tenant(tenant_id).filter(
        pk__in=[po.pk for po in rows if answers.get(po.panel_order_id)]).update(
        status=_S.CANCELED, finished_at=timezone.now())
    return answers
