"""The one interface every payment provider implements, and the typed values it speaks.

A provider turns our request into a charge at the provider (PIX code, card checkout URL),
reads a charge back as a `Charge` (amount in integer cents + currency, our status, refunds),
refunds fully or partly, cancels, and verifies its webhooks. Its SDK lives in its own module;
errors leave as `ProviderError(permanent=...)` so callers know whether retrying can help
(Healthchecks' `TransportError`). tests/payments/providers/test_contract.py holds every
implementation to this contract against its sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable


class ProviderError(Exception):
    """The provider refused or could not be reached. `permanent`: retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.status = status


class WebhookRejected(Exception):
    """A webhook that is not the provider's (signature, freshness, shape): answer `status`."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


class ChargeStatus:
    """Our statuses (payments.models.Payment.Status values) a provider's status maps to."""

    PENDING = "pending"
    IN_PROCESS = "in_process"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REFUNDED = "refunded"
    CHARGED_BACK = "charged_back"


@dataclass(frozen=True)
class ChargeRequest:
    """What we ask a provider to collect. `reference` is our Payment's primary key."""

    reference: str
    method: str  # "pix" or "card"
    amount_cents: int
    currency: str
    description: str
    payer_email: str
    expires_at: datetime | None
    notification_url: str
    return_url: str
    statement_descriptor: str
    metadata: dict[str, str] = field(default_factory=dict)
    # The platform's share, taken at source where the provider splits (a shop's own account).
    application_fee_cents: int = 0


@dataclass(frozen=True)
class RefundInfo:
    provider_refund_id: str
    amount_cents: int


@dataclass(frozen=True)
class Charge:
    """A provider's truth about one charge, in our terms."""

    provider_payment_id: str
    status: str | None  # a ChargeStatus, or None when the provider's status means nothing yet
    status_detail: str
    amount_cents: int | None  # None: the provider's answer had no readable amount
    currency: str
    reference: str  # our Payment pk as the provider echoes it
    tenant_id: str  # from the charge's metadata ("" when absent)
    refunded_cents: int = 0
    refunds: tuple[RefundInfo, ...] = ()
    pix_code: str = ""
    checkout_url: str = ""
    checkout_id: str = ""  # Checkout Pro preference / Stripe Checkout Session
    # What the provider paid the platform out of this charge (a marketplace split); 0 when
    # the whole amount is the platform's to book.
    application_fee_cents: int = 0
    # Who paid, as the provider knows it (the email typed on a card checkout page); "" unknown.
    payer_email: str = ""
    raw: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class WebhookNotice:
    """A verified webhook: its unique id (dedup key), type, and the object it is about."""

    event_id: str
    topic: str
    action: str
    data_id: str
    payload: dict


@runtime_checkable
class PaymentProvider(Protocol):
    name: str  # payments.models.Payment.Provider value
    methods: frozenset[str]  # which of "pix", "card" it can collect

    def is_configured(self) -> bool: ...

    def create_charge(self, request: ChargeRequest) -> Charge: ...

    def get_charge(self, provider_payment_id: str) -> Charge: ...

    def find_charge(self, reference: str) -> Charge | None:
        """The charge carrying our reference when we never learned its id (Checkout Pro)."""
        ...

    def refund(self, *, provider_payment_id: str, amount_cents: int | None,
               idempotency_key: str) -> RefundInfo: ...

    def cancel(self, provider_payment_id: str) -> Charge: ...

    def verify_webhook(self, *, body: bytes, headers: dict[str, str],
                       query: dict[str, str]) -> WebhookNotice: ...
