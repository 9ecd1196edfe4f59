"""Writes for memberships: subscribe, payments applied, the due-time sweep (reminders, past
due, dunning, grace end), cancel, tier switches, manual grants. Every change writes a
MemberEvent; money and permission changes an audit record too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from dateutil.relativedelta import relativedelta  # noqa: F401  (tests and callers)
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from memberships import jobs, policy, preapproval, signals, texts
from memberships.errors import MembershipError
from memberships.models import Member, MemberCharge, MemberEvent, MembershipSettings, Tier
from sales.models import Customer
from tenants.due import row_claim, rows_due
from tenants.models import Tenant
from wallet import services as wallet

log = structlog.get_logger(__name__)
S = Member.Status
K = MemberCharge.Kind
LEASE = timedelta(minutes=5)  # a claimed due row is looked at again after this if we crash
PENDING_TTL = timedelta(days=1)


def conf_for(tenant: Tenant | int) -> MembershipSettings:
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    found = MembershipSettings.objects.for_tenant(tenant_id).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return MembershipSettings.objects.create(tenant_id=tenant_id)
    except IntegrityError:
        return MembershipSettings.objects.for_tenant(tenant_id).get()


def _event(member: Member, kind: str, *, before: str = "", actor=None,
           data: dict | None = None) -> None:
    MemberEvent.objects.create(tenant_id=member.tenant_id, member=member, kind=kind,
                               from_status=before, to_status=member.status, actor=actor,
                               data=data or {})


def _locked(member: Member | int, tenant_id: int) -> Member:
    pk = member if isinstance(member, int) else member.pk
    return (Member.objects.for_tenant(tenant_id).select_for_update(of=("self",))
            .select_related("tenant", "tier", "customer", "next_tier").get(pk=pk))


def sync_role(member: Member) -> None:
    """Make the granted role match the member's status and tier (jobs run after commit)."""
    desired = member.tier.role_id if member.status in policy.WITH_ROLE else ""
    granted = member.role_id_granted
    if desired == granted:
        return
    if granted:
        jobs.enqueue(member, "role_remove", role_id=granted)
    if desired:
        jobs.enqueue(member, "role_add", role_id=desired)
    member.role_id_granted = desired
    Member.objects.for_tenant(member.tenant_id).filter(pk=member.pk).update(
        role_id_granted=desired)


def next_due(member: Member, conf: MembershipSettings) -> datetime | None:
    """When the sweeper must look at this member again (None: never on its own)."""
    end = member.current_period_end
    if member.status == S.PENDING:
        return member.started_at + PENDING_TTL
    if member.status == S.ENDED:
        return None
    if member.status == S.CANCELLED:
        return end
    if member.status == S.PAST_DUE:
        count = 0 if member.method == Member.Method.KOFI else conf.dunning_max
        if member.dunning_sent < count:
            return policy.dunning_at(period_end=end, grace_days=conf.grace_days, count=count,
                                     n=member.dunning_sent)
        return member.grace_ends_at
    if member.reminded_for != end:
        return end - timedelta(days=conf.reminder_days)
    return end


def _save(member: Member, conf: MembershipSettings | None = None, *fields: str) -> None:
    member.due_at = next_due(member, conf or conf_for(member.tenant_id))
    member.save(update_fields=[*fields, "due_at"])


# --- Subscribe -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Checkout:
    member: Member
    charge: MemberCharge | None
    payment: object | None
    card_url: str = ""  # card: Mercado Pago's page where the buyer authorizes the subscription


def live_member(customer: Customer) -> Member | None:
    return (Member.objects.for_tenant(customer.tenant_id).exclude(status=S.ENDED)
            .select_related("tier", "next_tier").filter(customer=customer).first())


def _had_trial(customer: Customer) -> bool:
    return MemberEvent.objects.for_tenant(customer.tenant_id).filter(
        member__customer=customer, kind="trial.start").exists()


def _tier_on_sale(tenant_id: int, tier_id: int) -> Tier:
    tier = Tier.objects.for_tenant(tenant_id).filter(pk=tier_id, active=True).first()
    if tier is None:
        raise MembershipError("tier_not_found", _("This membership tier is not on sale."), 404)
    return tier


def member_subscribe(*, customer: Customer, tier_id: int, method: str = "pix") -> Checkout:
    """Start a membership: the trial (once per buyer) or the first charge by PIX or card."""
    if method not in ("pix", "card"):
        raise MembershipError("method_invalid", _("Choose PIX or card."), 400)
    with transaction.atomic():
        tier = _tier_on_sale(customer.tenant_id, tier_id)
        existing = live_member(customer)
        if existing is not None and existing.status != S.PENDING:
            raise MembershipError("already_member", _(
                "You already have a membership. Use /assinatura to change or cancel it."))
        if existing is not None:  # an unpaid start: begin again with this choice
            existing.status = S.ENDED
            existing.ended_at = timezone.now()
            _save(existing, None, "status", "ended_at")
        now = timezone.now()
        trial = tier.trial_days and not _had_trial(customer)
        member = Member.objects.create(
            tenant_id=customer.tenant_id, customer=customer, tier=tier,
            status=S.TRIALING if trial else S.PENDING,
            method=Member.Method.CARD if method == "card" else Member.Method.PIX,
            current_period_start=now,
            current_period_end=now + timedelta(days=tier.trial_days) if trial else now)
        conf = conf_for(customer.tenant_id)
        _save(member, conf)
        _event(member, "trial.start" if trial else "subscribe", data={"tier": tier.pk})
        if trial:
            sync_role(member)
            if method != "card":
                return Checkout(member=member, charge=None, payment=None)
    if method == "card":
        return Checkout(member=member, charge=None, payment=None,
                        card_url=preapproval.card_start(member=member, tier=tier))
    charge, payment = charge_create(member=member, kind=K.SUBSCRIBE, tier=tier,
                                    amount_cents=tier.price_cents, method=method)
    return Checkout(member=member, charge=charge, payment=payment)


def charge_create(*, member: Member, kind: str, tier: Tier, amount_cents: int,
                  method: str = "pix", expires_at: datetime | None = None,
                  for_period_end: datetime | None = None) -> tuple[MemberCharge, object]:
    """A charge and its payment; the payment is created outside our transaction (payments
    commits its row before calling the provider)."""
    from payments.services import payment_create

    charge = MemberCharge.objects.create(
        tenant_id=member.tenant_id, member=member, kind=kind, tier=tier,
        amount_cents=amount_cents, currency=tier.currency, for_period_end=for_period_end)
    charge = (MemberCharge.objects.for_tenant(member.tenant_id)
              .select_related("tenant", "tier", "member").get(pk=charge.pk))
    payment = payment_create(payable=charge, method=method, expires_at=expires_at)
    MemberCharge.objects.for_tenant(member.tenant_id).filter(pk=charge.pk).update(
        payment_pk=payment.pk)
    charge.payment_pk = payment.pk
    audit.record(actor=None, tenant=member.tenant, action="membership.charge", target=member,
                 data={"charge": charge.pk, "payment": payment.pk, "kind": kind,
                       "amount_cents": amount_cents})
    return charge, payment


# --- Payments (payments.registry handler, inside the payment's transaction) ------------------
def handle_payment(payment, outcome: str) -> None:
    charge = (MemberCharge.objects.for_tenant(payment.tenant_id)
              .filter(pk=payment.payable_id).select_related("member", "tier").first())
    if charge is None:
        return
    if outcome == "approved":
        charge_apply(charge=charge, payment=payment)
    elif outcome in ("refunded", "charged_back"):
        charge_reverse(charge=charge, payment=payment, outcome=outcome)
    elif outcome == "refund":
        _reverse_partial_refunds(charge, payment)
    elif outcome in ("expired", "cancelled"):
        _first_charge_lapsed(charge)


def _base_for_period(member: Member, now: datetime) -> datetime:
    """Where a paid period starts: right after the one that had access (early renewal, the
    trial, a card charged at the due minute, grace), so no paid day is lost or given twice;
    from now when access had ended."""
    if member.status in policy.WITH_ROLE:
        return member.current_period_end
    return now


@transaction.atomic
def charge_apply(*, charge: MemberCharge, payment) -> bool:
    """Apply an approved charge once (the conditional UPDATE decides); False on a replay."""
    now = timezone.now()
    claimed = MemberCharge.objects.for_tenant(charge.tenant_id).filter(
        pk=charge.pk, applied_at__isnull=True).update(applied_at=now)
    if not claimed:
        return False
    member = _locked(charge.member_id, charge.tenant_id)
    # The money arrived whatever the membership's fate; the posting key makes replays no-ops.
    wallet.sale_record(tenant=member.tenant, payment_id=payment.pk,
                       gross_cents=payment.amount_cents, method=payment.method)
    before = member.status
    if before == S.ENDED and live_member(member.customer) is not None:
        # Paid late after subscribing again: the money stays recorded for the owner to refund.
        _event(member, "paid.after_end", before=before, data={"payment": payment.pk})
        return True
    tier = Tier.objects.for_tenant(charge.tenant_id).get(pk=charge.tier_id)
    if charge.kind == K.UPGRADE and before in policy.WITH_ROLE and \
            member.current_period_end > now:
        member.tier = tier
    else:
        base = _base_for_period(member, now)
        if base == now:
            member.current_period_start = now
        else:
            member.current_period_start = base
        member.tier = tier
        member.current_period_end = base + tier.delta()
    if member.next_tier_id == tier.pk:
        member.next_tier = None
    member.status = S.ACTIVE
    member.grace_ends_at, member.dunning_sent, member.cancelled_at = None, 0, None
    conf = conf_for(member.tenant_id)
    _save(member, conf, "tier", "next_tier", "status", "current_period_start",
          "current_period_end", "grace_ends_at", "dunning_sent", "cancelled_at")
    MemberCharge.objects.for_tenant(charge.tenant_id).filter(pk=charge.pk).update(
        period_end_after=member.current_period_end)
    _event(member, f"paid.{charge.kind}", before=before,
           data={"payment": payment.pk, "charge": charge.pk,
                 "period_end": member.current_period_end.isoformat()})
    audit.record(actor=None, tenant=member.tenant, action="membership.paid", target=member,
                 data={"payment": payment.pk, "kind": charge.kind,
                       "amount_cents": payment.amount_cents,
                       "period_end": member.current_period_end.isoformat()})
    sync_role(member)
    if charge.kind == K.RENEWAL:
        signals.membership_renewed.send(sender=Member, member=member, charge=charge,
                                        payment=payment)
    if charge.kind == K.UPGRADE and member.method == Member.Method.CARD:
        preapproval.provider_update(member, amount_cents=tier.price_cents)  # the next periods
    if before != S.PENDING:
        jobs.dm(member, texts.paid(member))
    return True


def _reverse_key(outcome: str, payment) -> str:
    return f"{'refund' if outcome == 'refunded' else 'chargeback'}:payment:{payment.pk}"


@transaction.atomic
def charge_reverse(*, charge: MemberCharge, payment, outcome: str) -> None:
    """A refund or chargeback: the money goes back through the ledger, and the role goes if
    this charge paid for the period running now."""
    from payments.models import Refund

    done = wallet.reversed_cents(keys=[f"refund:{r}" for r in Refund.objects.for_tenant(
        payment.tenant_id).filter(payment_id=payment.pk).values_list("pk", flat=True)])
    left = payment.amount_cents - sum(done.values())
    if left > 0 and charge.applied_at is not None:
        wallet.sale_reverse(tenant=payment.tenant, key=_reverse_key(outcome, payment),
                            amount_cents=left, reason=f"membership {outcome}",
                            payment_id=payment.pk)
    claimed = MemberCharge.objects.for_tenant(charge.tenant_id).filter(
        pk=charge.pk, reversed_at__isnull=True).update(reversed_at=timezone.now())
    if not claimed:
        return
    member = _locked(charge.member_id, charge.tenant_id)
    if charge.period_end_after and charge.period_end_after >= member.current_period_end \
            and member.status != S.ENDED:
        _end(member, f"payment.{outcome}", dm=False)
    else:
        _event(member, f"payment.{outcome}", before=member.status,
               data={"payment": payment.pk})
    audit.record(actor=None, tenant=member.tenant, action=f"membership.{outcome}",
                 target=member, data={"payment": payment.pk, "charge": charge.pk})


def _reverse_partial_refunds(charge: MemberCharge, payment) -> None:
    from payments.models import Refund

    if charge.applied_at is None:
        return
    for refund in Refund.objects.for_tenant(payment.tenant_id).filter(payment_id=payment.pk):
        wallet.sale_reverse(tenant=payment.tenant, key=f"refund:{refund.pk}",
                            amount_cents=refund.amount_cents,
                            reason=f"membership refund {refund.pk}", payment_id=payment.pk)


def _first_charge_lapsed(charge: MemberCharge) -> None:
    member = _locked(charge.member_id, charge.tenant_id)
    if member.status == S.PENDING and charge.kind == K.SUBSCRIBE:
        member.status, member.ended_at = S.ENDED, timezone.now()
        _save(member, None, "status", "ended_at")
        _event(member, "subscribe.lapsed", before=S.PENDING)


def _end(member: Member, kind: str, *, dm: bool = True, actor=None) -> None:
    before = member.status
    member.status, member.ended_at = S.ENDED, timezone.now()
    _save(member, None, "status", "ended_at")
    _event(member, kind, before=before, actor=actor)
    sync_role(member)
    if dm and before != S.PENDING:
        jobs.dm(member, texts.ended(member, conf_for(member.tenant_id)))


# --- The due-time sweep ----------------------------------------------------------------------
def members_due(*, now: datetime | None = None, limit: int = 500) -> list[tuple[int, int]]:
    return rows_due(Member, field="due_at", now=now, limit=limit)


def member_claim(*, tenant_id: int, member_id: int, now: datetime | None = None) -> bool:
    """Conditional UPDATE: one worker takes a due member; a crash lets it come back later."""
    now = now or timezone.now()
    return row_claim(Member, tenant_id=tenant_id, pk=member_id, field="due_at", now=now,
                     changes={"due_at": now + LEASE})


@dataclass
class _Send:
    kind: str  # "reminder" | "dunning"
    n: int = 0


def member_advance(*, tenant_id: int, member_id: int) -> str:
    """Look at one claimed member: what is due now happens, and the next due time is set.

    Renewal charges are created after the state change commits (the provider call must not
    hold the row lock); a crash between leaves `reminded_for`/`dunning_sent` set and the DM
    unsent, which the member's next reminder or /assinatura covers.
    """
    with transaction.atomic():
        member = _locked(member_id, tenant_id)
        conf = conf_for(tenant_id)
        send, result = _step(member, conf, timezone.now())
    if send is not None:
        _send_charge(member_id=member_id, tenant_id=tenant_id, send=send)
    return result


def _step(member: Member, conf: MembershipSettings, now: datetime) -> tuple[_Send | None, str]:
    end = member.current_period_end
    if member.status == S.PENDING:
        if now >= member.started_at + PENDING_TTL:
            _end(member, "subscribe.lapsed", dm=False)
            return None, "lapsed"
    elif member.status == S.CANCELLED:
        if now >= end:
            _end(member, "cancel.ended")
            return None, "ended"
    elif member.status in (S.ACTIVE, S.TRIALING):
        if now >= end:
            return _past_due(member, conf, now)
        if now >= end - timedelta(days=conf.reminder_days) and member.reminded_for != end:
            member.reminded_for = end
            _save(member, conf, "reminded_for")
            if member.method in (Member.Method.PIX, Member.Method.MANUAL) or \
                    (member.status == S.TRIALING and member.method != Member.Method.CARD):
                return _Send("reminder"), "reminded"
            return None, "reminder_skipped"
    elif member.status == S.PAST_DUE:
        if now >= member.grace_ends_at:
            _end(member, "grace.ended")
            return None, "ended"
        if member.method != Member.Method.KOFI and member.dunning_sent < conf.dunning_max \
                and now >= policy.dunning_at(period_end=end, grace_days=conf.grace_days,
                                             count=conf.dunning_max, n=member.dunning_sent):
            member.dunning_sent += 1
            _save(member, conf, "dunning_sent")
            return _Send("dunning", member.dunning_sent), "dunning"
    _save(member, conf)
    return None, "nothing"


def _past_due(member: Member, conf: MembershipSettings,
              now: datetime) -> tuple[_Send | None, str]:
    before = member.status
    member.status = S.PAST_DUE
    member.grace_ends_at = member.current_period_end + timedelta(days=conf.grace_days)
    member.dunning_sent = 0
    _save(member, conf, "status", "grace_ends_at", "dunning_sent")
    _event(member, "period.unpaid", before=before)
    return _step(member, conf, now)[0], "past_due"


def renewal_tier(member: Member) -> Tier:
    return member.next_tier or member.tier


def _open_renewal_payment(member: Member):
    """The renewal charge already sent for this period, while its payment can still be paid."""
    from payments.models import Payment

    charge = (MemberCharge.objects.for_tenant(member.tenant_id)
              .filter(member=member, kind=K.RENEWAL, applied_at__isnull=True,
                      for_period_end=member.current_period_end, payment_pk__isnull=False)
              .order_by("-id").first())
    if charge is None:
        return None
    payment = Payment.objects.for_tenant(member.tenant_id).filter(pk=charge.payment_pk).first()
    if payment is None or not payment.is_open or (
            payment.expires_at and payment.expires_at <= timezone.now()):
        return None
    return payment


def _send_charge(*, member_id: int, tenant_id: int, send: _Send) -> None:
    from payments.providers.base import ProviderError
    from payments.services import PaymentError

    member = (Member.objects.for_tenant(tenant_id)
              .select_related("tenant", "tier", "next_tier", "customer").get(pk=member_id))
    conf = conf_for(tenant_id)
    payment = _open_renewal_payment(member)
    if payment is None:
        tier = renewal_tier(member)
        grace_end = member.grace_ends_at or (
            member.current_period_end + timedelta(days=conf.grace_days))
        try:
            _charge, payment = charge_create(
                member=member, kind=K.RENEWAL, tier=tier, amount_cents=tier.price_cents,
                expires_at=grace_end, for_period_end=member.current_period_end)
        except (ProviderError, PaymentError) as exc:
            log.warning("memberships.renewal_charge_failed", member=member_id, error=str(exc))
            payment = None  # the DM still goes: /assinatura offers a payment again
    text = (texts.reminder(member, conf, payment) if send.kind == "reminder"
            else texts.dunning(member, conf, payment, send.n))
    with transaction.atomic():
        jobs.dm(member, text)
        _event(member, f"{send.kind}.sent", data={"n": send.n,
                                                   "payment": getattr(payment, "pk", None)})


# --- The buyer's /assinatura -----------------------------------------------------------------
def _mine(customer: Customer) -> Member:
    member = live_member(customer)
    if member is None or member.status == S.PENDING:
        raise MembershipError("no_membership", _("You have no membership. Use /assinar."), 404)
    return member


@transaction.atomic
def member_cancel(*, customer: Customer, actor=None) -> Member:
    """Access runs to the end of the paid period; an unpaid past-due membership ends now."""
    member = _locked(_mine(customer), customer.tenant_id)
    if member.status == S.CANCELLED:
        return member
    if member.status == S.PAST_DUE:
        _end(member, "cancel.now", dm=False, actor=actor)
        return member
    before = member.status
    member.status, member.cancelled_at, member.next_tier = S.CANCELLED, timezone.now(), None
    _save(member, None, "status", "cancelled_at", "next_tier")
    _event(member, "cancel", before=before, actor=actor)
    audit.record(actor=actor, tenant=member.tenant, action="membership.cancel", target=member,
                 data={"period_end": member.current_period_end.isoformat()})
    if member.method == Member.Method.CARD:
        preapproval.provider_update(member, status="cancelled")
    return member


@transaction.atomic
def member_cancel_at_provider(*, member: Member, why: str) -> None:
    """Mercado Pago says the card subscription was cancelled or paused there."""
    member = _locked(member, member.tenant_id)
    if member.status == S.PENDING:
        _end(member, f"card.{why}", dm=False)
        return
    if member.status not in (S.ACTIVE, S.TRIALING):
        return
    before = member.status
    member.status, member.cancelled_at, member.next_tier = S.CANCELLED, timezone.now(), None
    _save(member, None, "status", "cancelled_at", "next_tier")
    _event(member, f"card.{why}", before=before)


@dataclass(frozen=True)
class Switch:
    member: Member
    applied: str  # "now" (paid or free upgrade), "pending_payment", "at_period_end"
    amount_cents: int = 0
    payment: object | None = None


def member_switch(*, customer: Customer, tier_id: int) -> Switch:
    """Upgrade: prorated for the rest of the period and applied once paid (at once in a
    trial); downgrade (or another billing period): from the next period."""
    with transaction.atomic():
        member = _locked(_mine(customer), customer.tenant_id)
        tier = _tier_on_sale(customer.tenant_id, tier_id)
        if member.status in (S.CANCELLED, S.PAST_DUE) or member.method == Member.Method.KOFI:
            raise MembershipError("switch_not_allowed", _(
                "This membership cannot change tier now: renew it first, or subscribe again."))
        if tier.pk == member.tier_id:
            member.next_tier = None
            _save(member, None, "next_tier")
            return Switch(member=member, applied="now")
        upgrade = tier.period == member.tier.period and tier.price_cents > member.tier.price_cents
        if member.status == S.TRIALING and upgrade:
            member.tier, member.next_tier = tier, None
            _save(member, None, "tier", "next_tier")
            _event(member, "switch.trial", data={"tier": tier.pk})
            sync_role(member)
            return Switch(member=member, applied="now")
        if not upgrade:
            member.next_tier = tier
            _save(member, None, "next_tier")
            _event(member, "switch.scheduled", data={"tier": tier.pk})
            if member.method == Member.Method.CARD:
                preapproval.provider_update(member, amount_cents=tier.price_cents)
            return Switch(member=member, applied="at_period_end")
        now = timezone.now()
        amount = policy.prorated_cents(old_price=member.tier.price_cents,
                                       new_price=tier.price_cents,
                                       start=member.current_period_start,
                                       end=member.current_period_end, now=now)
        if amount <= 0:
            member.tier = tier
            _save(member, None, "tier")
            sync_role(member)
            return Switch(member=member, applied="now")
    _charge, payment = charge_create(member=member, kind=K.UPGRADE, tier=tier,
                                     amount_cents=amount)
    return Switch(member=member, applied="pending_payment", amount_cents=amount,
                  payment=payment)


def member_pay_now(*, customer: Customer) -> object:
    """A payment for the renewal: the open one if it can still be paid, else a fresh charge.
    A membership that ended unpaid at grace end can be paid late: access comes back at once."""
    member = live_member(customer)
    if member is None:
        member = (Member.objects.for_tenant(customer.tenant_id).filter(customer=customer)
                  .select_related("tier", "next_tier", "tenant").order_by("-ended_at").first())
        lapsed = member is not None and MemberEvent.objects.for_tenant(
            customer.tenant_id).filter(member=member, kind="grace.ended").exists()
        if not lapsed:
            raise MembershipError("no_membership", _("You have no membership. Use /assinar."),
                                  404)
    elif member.status not in (S.PAST_DUE, S.ACTIVE, S.TRIALING):
        raise MembershipError("nothing_to_pay", _("Nothing to pay right now."))
    payment = _open_renewal_payment(member)
    if payment is not None:
        return payment
    conf = conf_for(customer.tenant_id)
    tier = renewal_tier(member)
    grace_end = member.grace_ends_at or (
        member.current_period_end + timedelta(days=conf.grace_days))
    _charge, payment = charge_create(member=member, kind=K.RENEWAL, tier=tier,
                                     amount_cents=tier.price_cents,
                                     expires_at=max(grace_end, timezone.now()
                                                    + timedelta(days=1)),
                                     for_period_end=member.current_period_end)
    return payment


# --- The owner's side ------------------------------------------------------------------------
@transaction.atomic
def member_grant(*, tenant: Tenant, actor, customer: Customer, tier: Tier, days: int,
                 reason: str) -> Member:
    """Give or extend access by hand (a gift, a fix, a payment made elsewhere), audited."""
    if days <= 0 or days > 3660:
        raise MembershipError("days_invalid", _("Give between 1 and 3660 days."), 400)
    if not reason.strip():
        raise MembershipError("reason_required", _("Say why: the reason is kept in the audit "
                                                   "log."), 400)
    now = timezone.now()
    member = live_member(customer)
    if member is not None and member.status != S.PENDING:
        member = _locked(member, tenant.pk)
        before = member.status
        member.current_period_end = max(member.current_period_end, now) + timedelta(days=days)
        if member.status == S.PAST_DUE:
            member.status, member.grace_ends_at, member.dunning_sent = S.ACTIVE, None, 0
        kind = "grant.extend"
    else:
        if member is not None:
            member.status, member.ended_at = S.ENDED, now
            _save(member, None, "status", "ended_at")
        before = ""
        member = Member.objects.create(tenant=tenant, customer=customer, tier=tier,
                                       status=S.ACTIVE, method=Member.Method.MANUAL,
                                       current_period_start=now,
                                       current_period_end=now + timedelta(days=days))
        kind = "grant.new"
    _save(member, None, "status", "current_period_end", "grace_ends_at", "dunning_sent")
    _event(member, kind, before=before, actor=actor, data={"days": days, "reason": reason})
    audit.record(actor=actor, tenant=tenant, action="membership.grant", target=member,
                 data={"days": days, "reason": reason[:300], "tier": member.tier_id,
                       "period_end": member.current_period_end.isoformat()})
    sync_role(member)
    return member


@transaction.atomic
def tier_save(*, tenant: Tenant, actor, tier: Tier) -> Tier:
    created = tier.pk is None
    tier.tenant = tenant
    tier.save()
    audit.record(actor=actor, tenant=tenant,
                 action="membership.tier_create" if created else "membership.tier_update",
                 target=tier, data={"price_cents": tier.price_cents, "period": tier.period,
                                    "role_id": tier.role_id, "active": tier.active})
    return tier


@transaction.atomic
def settings_save(*, tenant: Tenant, actor, conf: MembershipSettings,
                  changed: list[str]) -> MembershipSettings:
    conf.save()
    audit.record(actor=actor, tenant=tenant, action="membership.settings", target=None,
                 data={"changed": sorted(changed)})
    return conf
