"""Writes for payments. `payment_create` is the contract other apps call (DESIGN.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

import audit
from payments.models import Payment
from payments.providers import mercadopago as mp
from tenants.models import Tenant

PIX_EXPIRY_DEFAULT = timedelta(minutes=30)


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


def payment_create(*, payable: Payable, method: str = Payment.Method.PIX) -> Payment:
    """Create our Payment row, then the charge at the provider (outside the row's transaction).

    The row commits first so the provider call, which can be slow or fail, never holds locks;
    a failed call leaves a `created` payment that reconciliation or a retry picks up, and the
    idempotency key makes the retry return the same charge.
    """
    if method != Payment.Method.PIX:
        raise NotImplementedError(f"payment method {method!r} arrives with the payments issue")
    payment = _payment_row(payable=payable, method=method)
    return payment_submit_pix(payment=payment, payable=payable)


@transaction.atomic
def _payment_row(*, payable: Payable, method: str) -> Payment:
    payment = Payment.objects.create(
        tenant=payable.tenant,
        payable_type=ContentType.objects.get_for_model(type(payable)),
        payable_id=payable.pk,
        provider=Payment.Provider.MERCADOPAGO,
        method=method,
        amount_cents=payable.payment_amount_cents(),
        expires_at=timezone.now() + _pix_expiry(payable.tenant),
    )
    audit.record(actor=None, tenant=payable.tenant, action="payment.create", target=payment,
                 data={"method": method, "amount_cents": payment.amount_cents})
    return payment


def payment_submit_pix(*, payment: Payment, payable: Payable) -> Payment:
    body = mp.create_pix(
        reference=str(payment.pk), amount_cents=payment.amount_cents,
        description=payable.payment_description(), payer_email=payable.payment_payer_email(),
        expires_at=payment.expires_at,
        notification_url=settings.PUBLIC_URL + reverse("payments:webhook_mercadopago"),
    )
    data = (body.get("point_of_interaction") or {}).get("transaction_data") or {}
    # Conditional: a webhook that already moved the payment on must not be rolled back.
    Payment.objects.for_tenant(payment.tenant).filter(
        pk=payment.pk, status=Payment.Status.CREATED
    ).update(
        provider_payment_id=str(body["id"]), pix_code=data.get("qr_code", ""),
        status=Payment.Status.PENDING, status_detail=body.get("status_detail", ""),
    )
    payment.refresh_from_db()
    return payment
