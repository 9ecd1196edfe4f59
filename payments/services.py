"""Writes for payments. `payment_create` is the contract other apps call (DESIGN.md).

The state machine (provider truth -> one transition -> one outcome) is in payments/state.py;
its entry points are re-exported here so callers import services only.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

import structlog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from payments import pix, providers
from payments.models import Payment, Refund, WebhookEvent
from payments.providers import mercadopago as mp
from payments.providers.base import Charge, ChargeRequest, PaymentProvider
from payments.state import (  # noqa: F401  (re-exported)
    UnknownPayment,
    payment_apply_charge,
    payment_apply_provider_state,
    payment_resolve,
    payment_sync,
    payment_transition,
    refund_dispatch,
)
from tenants.models import Tenant

log = structlog.get_logger(__name__)
S = Payment.Status
PIX_EXPIRY_DEFAULT = timedelta(minutes=30)


class PaymentError(ValueError):
    """A request the rules refuse; the message is shown to the user as is."""


class Payable(Protocol):
    """What an Order or a Subscription offers to be paid for."""

    pk: int
    tenant: Tenant

    def payment_amount_cents(self) -> int: ...

    def payment_description(self) -> str: ...

    def payment_payer_email(self) -> str: ...


def _pix_expiry(tenant: Tenant) -> timedelta:
    minutes = tenant.settings.get("pix_expiry_minutes")
    return timedelta(minutes=int(minutes)) if minutes else PIX_EXPIRY_DEFAULT


def _notification_url(provider: str = Payment.Provider.MERCADOPAGO) -> str:
    # Sellers' payments notify their own path: the task then reads them with the seller's
    # token (the notification names the seller's Mercado Pago user).
    name = ("payments:webhook_mercadopago_seller" if provider == Payment.Provider.MERCADOPAGO_SELLER
            else "payments:webhook_mercadopago")
    return settings.PUBLIC_URL + reverse(name)


def _metadata(payment: Payment) -> dict:
    # Checked when the payment comes back: a reference naming another tenant's row is refused.
    return {"tenant_id": str(payment.tenant_id), "payment_public_id": str(payment.public_id)}


def payment_create(*, payable: Payable, method: str = Payment.Method.PIX,
                   expires_at: datetime | None = None) -> Payment:
    """Create our Payment row, then the charge at the provider (outside the row's transaction).

    `method` is the buyer's payment option: "pix", "card" (Mercado Pago), "stripe_card"
    (Stripe Checkout) or "manual_pix"; payments.providers.for_option picks the provider.
    `expires_at` overrides the shop's PIX expiry (a renewal charge sent days ahead must stay
    payable until the grace period ends).
    The row commits first so the provider call, which can be slow or fail, never holds locks;
    a failed call leaves a `created` payment that reconciliation or a retry picks up, and the
    idempotency key makes the retry return the same charge.
    """
    if method == Payment.Method.MANUAL_PIX:
        return _manual_pix_create(payable=payable)
    if method not in providers.OPTIONS:
        raise PaymentError(_("This payment method is not available."))
    provider, provider_method = providers.for_option(method, tenant=payable.tenant)
    if not provider.is_configured():
        raise PaymentError(_("This payment method is not available."))
    if method in providers.SELLER_OPTIONS and _own_currency(payable) not in (None, "BRL"):
        # PIX and Mercado Pago's card checkout charge reais only; another currency is Stripe's.
        raise PaymentError(_("This payment method is not available."))
    fields = {"expires_at": expires_at} if expires_at else {}
    if provider.name == Payment.Provider.MERCADOPAGO_SELLER:
        # The platform's fee, taken by Mercado Pago at source (the wallet holds none of it).
        fee = getattr(payable, "payment_platform_fee_cents", lambda: 0)()
        fields["application_fee_cents"] = max(0, min(int(fee), payable.payment_amount_cents() - 1))
    payment = _payment_row(payable=payable, method=provider_method, provider=provider.name,
                           **fields)
    if provider.name == Payment.Provider.MERCADOPAGO:
        if provider_method == Payment.Method.CARD:
            return payment_submit_card(payment=payment, payable=payable)
        return payment_submit_pix(payment=payment, payable=payable)
    return payment_submit(payment=payment, payable=payable, provider=provider)


def _charge_request(payment: Payment, payable: Payable) -> ChargeRequest:
    return ChargeRequest(
        reference=str(payment.pk), method=payment.method, amount_cents=payment.amount_cents,
        currency=payment.currency, description=payable.payment_description(),
        payer_email=payable.payment_payer_email(), expires_at=payment.expires_at,
        notification_url=_notification_url(payment.provider),
        return_url=settings.PUBLIC_URL + reverse("payments:result", args=[payment.public_id]),
        statement_descriptor=_statement_descriptor(payment.tenant), metadata=_metadata(payment),
        application_fee_cents=payment.application_fee_cents)


def payment_submit(*, payment: Payment, payable: Payable, provider: PaymentProvider) -> Payment:
    """Any provider through the interface: the charge's id, code and link onto our row."""
    charge: Charge = provider.create_charge(_charge_request(payment, payable))
    if charge.pix_code:
        _check_provider_code(charge.pix_code, payment.amount_cents)
    # Conditional: a webhook that already moved the payment on must not be rolled back.
    Payment.objects.for_tenant(payment.tenant).filter(
        pk=payment.pk, status=Payment.Status.CREATED
    ).update(provider_payment_id=charge.provider_payment_id, pix_code=charge.pix_code,
             checkout_url=charge.checkout_url, preference_id=charge.checkout_id[:80],
             status=Payment.Status.PENDING, status_detail=charge.status_detail[:80])
    payment.refresh_from_db()
    return payment


@transaction.atomic
def _payment_row(*, payable: Payable, method: str, provider: str, **fields) -> Payment:
    payment = Payment.objects.create(
        tenant=payable.tenant,
        payable_type=ContentType.objects.get_for_model(type(payable)),
        payable_id=payable.pk,
        provider=provider,
        method=method,
        amount_cents=payable.payment_amount_cents(),
        currency=_payable_currency(payable),
        **({"expires_at": timezone.now() + _pix_expiry(payable.tenant)} | fields),
    )
    audit.record(actor=None, tenant=payable.tenant, action="payment.create", target=payment,
                 data={"method": method, "amount_cents": payment.amount_cents})
    return payment


def _own_currency(payable: Payable) -> str | None:
    """The currency the payable says it is priced in (an order's), None when it says none."""
    own = getattr(payable, "payment_currency", None)
    return own() if own else None


def _payable_currency(payable: Payable) -> str:
    """The payable's own currency when it has one (an order), else its tenant's."""
    return _own_currency(payable) or getattr(payable.tenant, "currency", "BRL") or "BRL"


def _check_provider_code(code: str, amount_cents: int) -> None:
    """The BR Code the provider returned must be well formed (CRC) and for our amount."""
    try:
        parsed = pix.parse(code)
    except pix.PixError as exc:
        raise mp.ProviderError(f"provider returned an invalid PIX code: {exc}",
                               permanent=False) from exc
    if parsed.amount_cents is not None and parsed.amount_cents != amount_cents:
        raise mp.ProviderError("provider PIX code is for another amount", permanent=True)


def payment_submit_pix(*, payment: Payment, payable: Payable) -> Payment:
    body = mp.create_pix(
        reference=str(payment.pk), amount_cents=payment.amount_cents,
        description=payable.payment_description(), payer_email=payable.payment_payer_email(),
        expires_at=payment.expires_at, notification_url=_notification_url(),
        metadata=_metadata(payment),
    )
    data = (body.get("point_of_interaction") or {}).get("transaction_data") or {}
    code = data.get("qr_code", "")
    _check_provider_code(code, payment.amount_cents)
    # Conditional: a webhook that already moved the payment on must not be rolled back.
    Payment.objects.for_tenant(payment.tenant).filter(
        pk=payment.pk, status=Payment.Status.CREATED
    ).update(
        provider_payment_id=str(body["id"]), pix_code=code,
        status=Payment.Status.PENDING, status_detail=body.get("status_detail", ""),
    )
    payment.refresh_from_db()
    return payment


def _statement_descriptor(tenant: Tenant) -> str:
    return pix.ascii_text(tenant.name, 22).upper() or "VITRINE"


def payment_submit_card(*, payment: Payment, payable: Payable) -> Payment:
    """Checkout Pro: a preference whose page takes the card; the buyer returns to our result
    page and the webhook (or reconciliation) brings the outcome."""
    back = settings.PUBLIC_URL + reverse("payments:result", args=[payment.public_id])
    body = mp.create_preference(
        reference=str(payment.pk), amount_cents=payment.amount_cents,
        currency=payment.currency, title=payable.payment_description(),
        payer_email=payable.payment_payer_email(), back_url=back,
        notification_url=_notification_url(),
        statement_descriptor=_statement_descriptor(payment.tenant),
        expires_at=payment.expires_at, metadata=_metadata(payment),
    )
    Payment.objects.for_tenant(payment.tenant).filter(
        pk=payment.pk, status=Payment.Status.CREATED
    ).update(preference_id=str(body.get("id", "")), checkout_url=body.get("init_point", ""),
             status=Payment.Status.PENDING)
    payment.refresh_from_db()
    return payment


# --- Manual PIX: a static BR Code to the shop's own key; the owner confirms receipt --------
def manual_pix_config(tenant: Tenant) -> dict[str, str] | None:
    key = (tenant.settings.get("manual_pix_key") or "").strip()
    city = (tenant.settings.get("manual_pix_city") or "").strip()
    if not key or not city:
        return None
    return {"key": key, "city": city,
            "name": (tenant.settings.get("manual_pix_name") or tenant.name).strip()}


def _manual_pix_create(*, payable: Payable) -> Payment:
    config = manual_pix_config(payable.tenant)
    if config is None:
        raise PaymentError(_("Manual PIX needs a PIX key and a city in the shop's settings."))
    with transaction.atomic():
        payment = _payment_row(payable=payable, method=Payment.Method.MANUAL_PIX,
                               provider=Payment.Provider.MANUAL, status=S.PENDING)
        # txid ties the transfer in the owner's bank statement to this payment.
        code = pix.build(key=config["key"], name=config["name"], city=config["city"],
                         amount_cents=payment.amount_cents, txid=payment.public_id.hex[:25],
                         unique=True)
        Payment.objects.for_tenant(payment.tenant).filter(pk=payment.pk).update(pix_code=code)
        payment.pix_code = code
    return payment


def payment_simulate_approval(*, payment: Payment) -> None:
    """The sandbox emulator approves the payment; its webhook then takes the usual path."""
    if not payment.can_simulate:
        raise PaymentError(_("This payment cannot be simulated."))
    mp.sandbox_approve(payment.provider_payment_id)
    log.info("payment.simulated", payment_id=payment.pk)


@transaction.atomic
def payment_manual_confirm(*, payment: Payment, actor) -> Payment:
    """The shop owner saw the transfer in their bank: the payment is approved (once)."""
    if payment.provider != Payment.Provider.MANUAL:
        raise PaymentError(_("Only manual PIX payments are confirmed by hand."))
    if not payment_transition(payment=payment, to=S.APPROVED, detail="confirmed_by_owner",
                              actor=actor, reason="manual confirmation"):
        payment.refresh_from_db()
        if payment.status != S.APPROVED:
            raise PaymentError(_("This payment can no longer be confirmed (it is %(status)s).")
                               % {"status": payment.get_status_display()})
    return payment


# --- Refunds ---------------------------------------------------------------------------------
def payment_refund(*, payment: Payment, actor, reason: str,
                   amount_cents: int | None = None) -> Refund:
    """Give money back, fully (amount None) or partly; the payable hears `refunded` once the
    whole amount is back. Provider first, then our record (the provider's answer is the truth).
    """
    reason = reason.strip()
    if not reason:
        raise PaymentError(_("Say why you are refunding."))
    if payment.status != S.APPROVED:
        raise PaymentError(_("Only approved payments can be refunded."))
    left = payment.amount_cents - payment.refunded_cents
    amount = left if amount_cents is None else amount_cents
    if amount <= 0 or amount > left:
        raise PaymentError(_("The refund must be between R$ 0,01 and what is left to refund."))
    if payment.provider == Payment.Provider.MANUAL:
        return _manual_refund(payment=payment, actor=actor, reason=reason, amount=amount)
    # Same payment, same amount already refunded, same request -> same key: a double click
    # or a retry cannot refund twice.
    key = f"vitrine-refund-{payment.pk}-{payment.refunded_cents}-{amount}"
    provider = providers.for_payment(payment)  # a seller's refund uses the seller's token
    done = provider.refund(provider_payment_id=payment.provider_payment_id,
                           amount_cents=None if amount == left else amount,
                           idempotency_key=key)
    refund = _record_refund(payment=payment, actor=actor, reason=reason,
                            provider_refund_id=done.provider_refund_id,
                            amount=done.amount_cents or amount)
    payment_apply_charge(payment=payment,
                         charge=provider.get_charge(payment.provider_payment_id))
    return refund


@transaction.atomic
def _record_refund(*, payment: Payment, actor, reason: str, provider_refund_id: str,
                   amount: int) -> Refund:
    Payment.objects.for_tenant(payment.tenant_id).select_for_update().get(pk=payment.pk)
    refund, created = Refund.objects.for_tenant(payment.tenant_id).update_or_create(
        payment=payment, provider_refund_id=provider_refund_id,
        defaults={"tenant_id": payment.tenant_id, "amount_cents": amount, "reason": reason[:300],
                  "actor": actor if getattr(actor, "is_authenticated", False) else None,
                  "source": Refund.Source.PORTAL,
                  "partial": amount < payment.amount_cents},
    )
    audit.record(actor=actor, tenant=payment.tenant, action="payment.refund", target=payment,
                 data={"refund": refund.pk, "provider_refund_id": provider_refund_id,
                       "amount_cents": amount, "partial": refund.partial, "reason": reason,
                       "source": "portal", "seen_first_by_webhook": not created})
    if created:
        refund_dispatch(payment=payment)
    return refund


@transaction.atomic
def _manual_refund(*, payment: Payment, actor, reason: str, amount: int) -> Refund:
    locked = Payment.objects.for_tenant(payment.tenant_id).select_for_update().get(pk=payment.pk)
    if amount > locked.amount_cents - locked.refunded_cents:
        raise PaymentError(_("The refund must be between R$ 0,01 and what is left to refund."))
    refund = Refund.objects.create(tenant_id=payment.tenant_id, payment=payment,
                                   amount_cents=amount, reason=reason[:300],
                                   partial=amount < payment.amount_cents, actor=actor,
                                   source=Refund.Source.PORTAL)
    locked.refunded_cents += amount
    Payment.objects.for_tenant(payment.tenant_id).filter(pk=payment.pk).update(
        refunded_cents=locked.refunded_cents)
    audit.record(actor=actor, tenant=payment.tenant, action="payment.refund", target=payment,
                 data={"refund": refund.pk, "amount_cents": amount, "partial": refund.partial,
                       "reason": reason, "source": "portal"})
    refund_dispatch(payment=payment)
    if locked.refunded_cents >= locked.amount_cents:
        payment_transition(payment=payment, to=S.REFUNDED, detail="refunded", actor=actor,
                           reason=reason)
    payment.refresh_from_db()
    return refund


# --- Reconciliation (beat) -------------------------------------------------------------------
def _reconcile_after() -> timedelta:
    return timedelta(seconds=getattr(settings, "PAYMENTS_RECONCILE_AFTER_SECONDS", 180))


def payments_reconcile(*, limit: int = 200) -> dict[str, int]:
    """Re-read open payments a webhook may have missed; cancel PIX past its expiry."""
    now = timezone.now()
    stale = (Payment.objects.unscoped().select_related("tenant", "payable_type")
             .filter(status__in=Payment.OPEN, created_at__lte=now - _reconcile_after())
             .order_by("created_at")[:limit])
    counts = {"checked": 0, "changed": 0, "errors": 0}
    for payment in stale:
        counts["checked"] += 1
        before = payment.status
        try:
            payment_reconcile_one(payment=payment)
        except (providers.ProviderError, UnknownPayment) as exc:
            counts["errors"] += 1
            log.warning("payment.reconcile_failed", payment_id=payment.pk, error=str(exc))
            continue
        payment.refresh_from_db()
        counts["changed"] += payment.status != before
    return counts


def payment_reconcile_one(*, payment: Payment) -> Payment:
    expired = payment.expires_at is not None and timezone.now() >= payment.expires_at
    if payment.provider == Payment.Provider.MANUAL:
        if expired:
            payment_transition(payment=payment, to=S.EXPIRED, detail="expired",
                               reason="manual PIX window ended")
        return payment
    provider = providers.for_payment(payment)
    charge = (provider.get_charge(payment.provider_payment_id) if payment.provider_payment_id
              else provider.find_charge(str(payment.pk)))
    if charge is None:
        if expired:  # never reached the provider, and now too late to pay
            payment_transition(payment=payment, to=S.EXPIRED, detail="expired",
                               reason="no provider charge before expiry")
        return payment
    if expired and charge.status in (S.PENDING, S.IN_PROCESS) and (
            payment.method == Payment.Method.PIX or payment.provider == Payment.Provider.STRIPE):
        # MP keeps a PIX open a little past date_of_expiration, and a Stripe Checkout Session
        # lives at least 30 minutes: close either so it cannot be paid after our window.
        charge = provider.cancel(charge.provider_payment_id)
    return payment_apply_charge(payment=payment, charge=charge)


def webhook_events_stuck(*, older_than: timedelta = timedelta(minutes=2),
                         max_attempts: int = 8) -> list[int]:
    """Events whose task never ran or failed retryably: the sweeper enqueues them again."""
    cutoff = timezone.now() - older_than
    return list(WebhookEvent.objects.filter(
        state__in=[WebhookEvent.State.RECEIVED, WebhookEvent.State.QUEUED,
                   WebhookEvent.State.FAILED, WebhookEvent.State.PROCESSING],
        received_at__lte=cutoff, attempts__lt=max_attempts,
    ).order_by("received_at").values_list("pk", flat=True)[:500])


# --- Charges the provider makes on its own (a card subscription's periods) ------------------
def payment_record_provider_charge(*, payable: Payable, provider_payment_id: str) -> Payment:
    """Our row for a card payment Mercado Pago made by itself (a preapproval's period),
    bound to its id once (the unique provider id decides between concurrent callers), then
    moved to the status the provider reports (re-read, never taken from a notification).

    Its external_reference is the subscription's, not this row's, so it is checked by amount
    and currency here rather than by payments.state.mismatch.
    """
    from django.db import IntegrityError

    from payments.state import flag_review

    charge = mp.to_charge(mp.get_payment(provider_payment_id))
    rows = Payment.objects.unscoped().select_related("tenant")
    existing = rows.filter(provider=Payment.Provider.MERCADOPAGO,
                           provider_payment_id=str(provider_payment_id)).first()
    if existing is None:
        try:
            existing = _payment_row(payable=payable, method=Payment.Method.CARD,
                                    provider=Payment.Provider.MERCADOPAGO,
                                    provider_payment_id=str(provider_payment_id),
                                    status=Payment.Status.PENDING, expires_at=None)
        except IntegrityError:
            existing = rows.get(provider=Payment.Provider.MERCADOPAGO,
                                provider_payment_id=str(provider_payment_id))
    if charge.amount_cents != existing.amount_cents or charge.currency != existing.currency:
        flag_review(payment=existing, reason=f"subscription charge {charge.amount_cents} "
                                             f"{charge.currency} != {existing.amount_cents}")
    elif charge.status and charge.status != existing.status:
        payment_transition(payment=existing, to=charge.status, detail=charge.status_detail)
    existing.refresh_from_db()
    return existing
