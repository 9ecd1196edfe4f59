"""Ko-fi supporters as a second source of memberships.

Ko-fi POSTs `application/x-www-form-urlencoded` with one field `data` holding JSON
(`verification_token`, `message_id`, `kofi_transaction_id`, `type` Donation / Subscription /
Shop Order / Commission, `is_subscription_payment`, `is_first_subscription_payment`,
`tier_name`, `from_name`, `email`, `amount` as a string, `currency`, `timestamp`, ...) and
retries with the same message until it gets a 200. We check the shop's token in constant time,
store the event once per transaction id, answer, and apply it in a task: a mapped tier (a
monthly Ko-fi membership) or a donation above the shop's minimum gives the role for a period.
The supporter's Ko-fi email is tied to their Discord account with a one-time code.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

import audit
from memberships import jobs, services
from memberships.errors import MembershipError
from memberships.models import KofiEvent, KofiLink, Member, MembershipSettings, Tier
from sales.models import Customer

MAX_BODY = 16 * 1024
CODE_TTL = timedelta(minutes=30)
MAX_CODE_ATTEMPTS = 5  # wrong codes per email and buyer in a day, across the codes sent
RESEND_AFTER = timedelta(minutes=1)  # a new code for an email at most once a minute
ATTEMPTS_WINDOW = timedelta(days=1)
E = KofiEvent.State


class Rejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def _cents(value: object) -> int:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise Rejected(400, "amount is not a number") from None
    if not amount.is_finite() or amount < 0 or amount > 10_000_000:
        raise Rejected(400, "amount out of range")
    return int((amount * 100).to_integral_value())


def _text(data: dict, key: str, limit: int) -> str:
    value = data.get(key)
    return value[:limit] if isinstance(value, str) else ""


def parse(raw: str) -> dict:
    if not raw or len(raw) > MAX_BODY:
        raise Rejected(400, "missing or oversized data field")
    try:
        data = json.loads(raw)
    except ValueError:
        raise Rejected(400, "data is not JSON") from None
    if not isinstance(data, dict):
        raise Rejected(400, "data is not a JSON object")
    for key in ("verification_token", "kofi_transaction_id", "type"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise Rejected(400, f"{key} missing")
    if "\x00" in raw:
        raise Rejected(400, "NUL in data")
    return data


def _conf_for_hook(hook_id: str) -> MembershipSettings:
    conf = (MembershipSettings.objects.unscoped().select_related("tenant")
            .filter(kofi_hook_id=hook_id).first())
    if conf is None or not conf.kofi_token:
        raise Rejected(404, "unknown webhook")
    return conf


def receive(*, hook_id: str, raw: str) -> str:
    """Verify and store one webhook: "accepted" or "duplicate"; raise Rejected otherwise."""
    conf = _conf_for_hook(hook_id)
    data = parse(raw)
    if not hmac.compare_digest(data["verification_token"].encode(), conf.kofi_token.encode()):
        audit.record(actor=None, tenant=conf.tenant, action="kofi.rejected", target=None,
                     data={"reason": "verification token mismatch"})
        raise Rejected(401, "verification token mismatch")
    try:
        paid_at = parse_datetime(_text(data, "timestamp", 40)) or timezone.now()
    except ValueError:
        raise Rejected(400, "timestamp is not a date") from None
    if timezone.is_naive(paid_at):
        paid_at = paid_at.replace(tzinfo=UTC)
    paid_at = min(paid_at, timezone.now())  # a clock ahead of ours grants nothing extra
    stored = {k: v for k, v in data.items() if k != "verification_token"}
    try:
        with transaction.atomic():
            event = KofiEvent.objects.create(
                tenant=conf.tenant, kofi_transaction_id=data["kofi_transaction_id"][:100],
                message_id=_text(data, "message_id", 100), type=data["type"][:20],
                email=_text(data, "email", 254).strip().lower(),
                from_name=_text(data, "from_name", 100),
                tier_name=_text(data, "tier_name", 100), amount_cents=_cents(
                    data.get("amount") or "0"),
                currency=_text(data, "currency", 3).upper(),
                is_subscription_payment=data.get("is_subscription_payment") is True,
                is_first_subscription_payment=data.get("is_first_subscription_payment") is True,
                paid_at=paid_at, payload=stored)
    except IntegrityError:
        return "duplicate"
    tenant_id, event_id = conf.tenant_id, event.pk
    jobs.after_commit(lambda: jobs.task("kofi_apply").delay(tenant_id, event_id))
    return "accepted"


def _tier_for(event: KofiEvent, conf: MembershipSettings) -> tuple[Tier | None, object]:
    """(tier, how long) for this event, or (None, reason)."""
    tiers = Tier.objects.for_tenant(event.tenant_id)
    if event.type == "Subscription" and event.tier_name:
        tier = (tiers.filter(kofi_tier_name__iexact=event.tier_name).first()
                or tiers.filter(name__iexact=event.tier_name).first())
        if tier is None:
            return None, f"no tier mapped to {event.tier_name!r}"
        return tier, relativedelta(months=1)  # Ko-fi memberships are monthly
    if event.type in ("Donation", "Subscription") and conf.kofi_donation_tier_id:
        if event.amount_cents < conf.kofi_donation_min_cents:
            return None, "below the donation minimum"
        return conf.kofi_donation_tier, timedelta(days=conf.kofi_donation_days)
    return None, f"{event.type} grants nothing here"


def _customer_for(event: KofiEvent) -> Customer | None:
    link = (KofiLink.objects.for_tenant(event.tenant_id).select_related("customer")
            .filter(email=event.email, linked_at__isnull=False).order_by("-linked_at").first())
    return link.customer if link else None


def event_apply(*, tenant_id: int, event_id: int) -> str:
    with transaction.atomic():
        event = (KofiEvent.objects.for_tenant(tenant_id).select_for_update()
                 .filter(pk=event_id, state__in=[E.RECEIVED, E.WAITING_LINK]).first())
        if event is None:
            return "skipped"
        conf = services.conf_for(tenant_id)
        tier, span = _tier_for(event, conf)
        if tier is None:
            event.state, event.note = E.IGNORED, str(span)[:200]
            event.save(update_fields=["state", "note"])
            return "ignored"
        customer = _customer_for(event) if event.email else None
        if customer is None:
            event.state, event.note = E.WAITING_LINK, "supporter has not linked Discord yet"
            event.save(update_fields=["state", "note"])
            return "waiting_link"
        member = supporter_grant(customer=customer, tier=tier, paid_at=event.paid_at,
                                 span=span, email=event.email, event=event)
        event.state, event.member, event.note = E.APPLIED, member, ""
        event.save(update_fields=["state", "member", "note"])
        return "applied"


def supporter_grant(*, customer: Customer, tier: Tier, paid_at: datetime, span,
                    email: str, event: KofiEvent) -> Member:
    """Access covering [paid_at, paid_at + span]: the same end whatever order Ko-fi's
    deliveries arrive in, and a replay adds nothing."""
    now = timezone.now()
    covers = paid_at + span
    member = services.live_member(customer)
    if member is not None and member.status != Member.Status.PENDING:
        member = services._locked(member, customer.tenant_id)
        before = member.status
        if member.tier_id != tier.pk and member.method == Member.Method.KOFI:
            member.tier = tier
        member.current_period_end = max(member.current_period_end, covers)
        if member.status == Member.Status.PAST_DUE and member.current_period_end > now:
            member.status, member.grace_ends_at, member.dunning_sent = \
                Member.Status.ACTIVE, None, 0
    else:
        if member is not None:  # an unpaid PIX start: Ko-fi paid instead
            member.status, member.ended_at = Member.Status.ENDED, now
            services._save(member, None, "status", "ended_at")
        before = ""
        member = Member.objects.create(
            tenant_id=customer.tenant_id, customer=customer, tier=tier,
            status=Member.Status.ACTIVE, method=Member.Method.KOFI, kofi_email=email,
            current_period_start=paid_at, current_period_end=covers)
    if member.current_period_end <= now and member.status != Member.Status.ENDED:
        member.status, member.ended_at = Member.Status.ENDED, now  # an old payment, long over
    services._save(member, None, "tier", "status", "current_period_end", "grace_ends_at",
                   "dunning_sent", "ended_at")
    services._event(member, "kofi.paid", before=before,
                    data={"event": event.pk, "type": event.type, "tier": tier.pk,
                          "covers": covers.isoformat()})
    audit.record(actor=None, tenant=member.tenant, action="membership.kofi", target=member,
                 data={"kofi_transaction_id": event.kofi_transaction_id, "tier": tier.pk,
                       "amount_cents": event.amount_cents, "currency": event.currency})
    services.sync_role(member)
    return member


# --- /vincular-kofi --------------------------------------------------------------------------
def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


@transaction.atomic
def link_start(*, customer: Customer, email: str) -> None:
    """Email a one-time code to the Ko-fi address (the supporter types it in Discord)."""
    email = email.strip().lower()
    now = timezone.now()
    links = KofiLink.objects.for_tenant(customer.tenant_id).select_for_update()
    # Asking again neither floods the address nor buys fresh guesses: codes are sent at most
    # once a minute per email, and wrong tries count for a day across the codes sent.
    if links.filter(email=email, code_expires_at__gt=now + CODE_TTL - RESEND_AFTER).exists():
        raise MembershipError("code_recent", _(
            "A code was just sent to this email. Wait a minute before asking again."), 429)
    link, _created = links.get_or_create(tenant_id=customer.tenant_id, email=email,
                                         customer=customer)
    recent = link.code_expires_at is not None and \
        link.code_expires_at > now + CODE_TTL - ATTEMPTS_WINDOW
    if recent and link.attempts >= MAX_CODE_ATTEMPTS:
        raise MembershipError("code_locked", _(
            "Too many wrong codes for this email. Try again tomorrow."), 429)
    code = f"{secrets.randbelow(1_000_000):06d}"
    link.code_hash, link.code_expires_at = _hash(code), now + CODE_TTL
    link.attempts = link.attempts if recent else 0
    link.save(update_fields=["code_hash", "code_expires_at", "attempts"])
    shop = customer.tenant.name

    def mail() -> None:
        send_mail(_("Your code to link Ko-fi to Discord"),
                  _("Type /vincular-kofi in %(shop)s's server with this code: %(code)s\n"
                    "It is valid for 30 minutes.") % {"shop": shop, "code": code},
                  settings.DEFAULT_FROM_EMAIL, [email])

    transaction.on_commit(mail)


def link_confirm(*, customer: Customer, email: str, code: str) -> int:
    """Tie the email to this buyer; apply the Ko-fi payments that waited. Returns how many."""
    email = email.strip().lower()
    wrong = MembershipError("code_invalid", _(
        "This code is wrong or expired. Ask for a new one with /vincular-kofi."), 400)
    with transaction.atomic():
        link = (KofiLink.objects.for_tenant(customer.tenant_id).select_for_update()
                .filter(email=email, customer=customer).first())
        if link is None or not link.code_hash or link.attempts >= MAX_CODE_ATTEMPTS or \
                (link.code_expires_at and link.code_expires_at < timezone.now()):
            raise wrong
        matches = hmac.compare_digest(link.code_hash, _hash(code.strip()))
        if not matches:  # counted (committed) before refusing, so guessing runs out
            link.attempts += 1
            link.save(update_fields=["attempts"])
    if not matches:
        raise wrong
    with transaction.atomic():
        link = (KofiLink.objects.for_tenant(customer.tenant_id).select_for_update()
                .get(pk=link.pk))
        if link.code_hash != _hash(code.strip()):
            raise wrong  # used meanwhile by a concurrent confirm
        link.linked_at, link.code_hash = timezone.now(), ""
        link.save(update_fields=["linked_at", "code_hash"])
        audit.record(actor=None, tenant=customer.tenant, action="kofi.linked", target=link,
                     data={"customer": customer.pk})
        waiting = list(KofiEvent.objects.for_tenant(customer.tenant_id)
                       .filter(email=email, state=E.WAITING_LINK).order_by("paid_at", "pk")
                       .values_list("pk", flat=True))
    return sum(event_apply(tenant_id=customer.tenant_id, event_id=pk) == "applied"
               for pk in waiting)
