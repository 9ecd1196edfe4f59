"""In-memory state of the emulator: accounts, payments, preferences, merchant orders.

All mutation happens on the aiohttp event loop thread; other threads (tests) go through
``testing.MercadoPagoSandbox`` which hops onto the loop. Payments are kept as the JSON
dicts the API returns, so what the SDK sees and what the store holds never drift apart.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

# Mercado Pago Brazil reports times in local time with milliseconds, e.g.
# "2024-05-01T10:00:00.000-03:00".
BRT = timezone(timedelta(hours=-3))
DEFAULT_WEBHOOK_SECRET = "sandbox-webhook-secret"


@dataclass
class SandboxConfig:
    """Knobs for one emulator instance (CLI flags and tests fill these)."""

    default_webhook_secret: str = DEFAULT_WEBHOOK_SECRET
    retry_schedule: list[float] = field(default_factory=lambda: [5.0, 15.0, 60.0])
    webhook_timeout: float = 22.0  # MP waits 22 s for a 200/201 before retrying
    public_url: str | None = None  # base URL for ticket/checkout links; else request origin
    expiry_sweep_interval: float = 1.0
    auto_register_test_tokens: bool = True
    pix_fee_rate: str = "0.0099"
    card_fee_rate: str = "0.0498"
    merchant_name: str = "VITRINE SANDBOX"
    merchant_city: str = "SAO PAULO"
    # The marketplace application sellers connect to through OAuth (sandbox.mercadopago.oauth).
    oauth_client_id: str = "8031202612345678"
    oauth_client_secret: str = "sandbox-app-secret"
    oauth_token_ttl: int = 15_552_000  # 180 days, as MP documents
    # Fault injection: the notifier's clock (the x-signature `ts`) runs this many seconds off.
    webhook_clock_skew: float = 0.0


@dataclass
class Account:
    """One collector (seller) identified by its access token."""

    access_token: str
    collector_id: int
    webhook_secret: str
    webhook_url: str | None = None  # fallback when a payment has no notification_url
    merchant_name: str = "VITRINE SANDBOX"
    merchant_city: str = "SAO PAULO"
    email: str = ""

    def public(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Switches:
    """Misbehaviours tests can turn on to harden webhook consumers."""

    duplicate: bool = False  # deliver every notification twice
    out_of_order: bool = False  # hold notifications; flush sends each payment's in reverse
    wrong_signature: bool = False  # sign with a wrong secret

    def public(self) -> dict[str, Any]:
        return asdict(self)


def collector_id_for(token: str) -> int:
    """Stable pseudo collector id so auto-registered TEST- tokens keep their id."""
    digest = hashlib.sha256(token.encode()).digest()
    return 100_000_000 + int.from_bytes(digest[:4], "big") % 900_000_000


class Store:
    """Everything the emulator knows. ``reset()`` wipes data but keeps ids monotonic."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        # ids never restart (even after reset) so stale webhooks can't alias new payments
        self._payment_ids = itertools.count(1_310_000_001)
        self._refund_ids = itertools.count(2_100_000_001)
        self._order_ids = itertools.count(17_000_000_001)
        self._event_ids = itertools.count(110_000_000_001)
        self.clock_offset = timedelta(0)
        self.reset()

    def reset(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.payments: dict[int, dict[str, Any]] = {}
        self.payment_owner: dict[int, str] = {}  # payment id -> access token
        self.preferences: dict[str, dict[str, Any]] = {}
        self.preference_owner: dict[str, str] = {}
        self.merchant_orders: dict[int, dict[str, Any]] = {}
        self.application_fees: dict[int, Any] = {}  # payment id -> marketplace fee (Decimal)
        self.idempotency: dict[tuple[str, str, str], tuple[int, Any]] = {}
        self.switches = Switches()
        self.clock_offset = timedelta(0)
        self.oauth = None  # sandbox.mercadopago.oauth.OAuthState, made on first use

    # -- clock -----------------------------------------------------------------------------
    def now(self) -> datetime:
        """Emulator time; tests advance it instead of sleeping to reach expirations."""
        return datetime.now(BRT) + self.clock_offset

    def now_iso(self) -> str:
        return iso(self.now())

    def advance_clock(self, seconds: float) -> None:
        self.clock_offset += timedelta(seconds=seconds)

    # -- ids -------------------------------------------------------------------------------
    def next_payment_id(self) -> int:
        return next(self._payment_ids)

    def next_refund_id(self) -> int:
        return next(self._refund_ids)

    def next_order_id(self) -> int:
        return next(self._order_ids)

    def next_event_id(self) -> int:
        return next(self._event_ids)

    # -- accounts --------------------------------------------------------------------------
    def register_account(
        self,
        access_token: str,
        *,
        webhook_secret: str | None = None,
        collector_id: int | None = None,
        webhook_url: str | None = None,
        merchant_name: str | None = None,
        merchant_city: str | None = None,
    ) -> Account:
        cid = collector_id or collector_id_for(access_token)
        account = Account(
            access_token=access_token,
            collector_id=int(cid),
            webhook_secret=webhook_secret or self.config.default_webhook_secret,
            webhook_url=webhook_url,
            merchant_name=merchant_name or self.config.merchant_name,
            merchant_city=merchant_city or self.config.merchant_city,
            email=f"test_user_{cid}@testuser.com",
        )
        self.accounts[access_token] = account
        return account

    def account_for_token(self, token: str) -> Account | None:
        account = self.accounts.get(token)
        if account is None and self.config.auto_register_test_tokens and token.startswith("TEST-"):
            account = self.register_account(token)
        return account

    def owner_of(self, payment_id: int) -> Account:
        return self.accounts[self.payment_owner[payment_id]]


def iso(moment: datetime) -> str:
    return moment.astimezone(BRT).isoformat(timespec="milliseconds")


def parse_iso(value: str) -> datetime:
    """Parse MP's ISO-8601 dates ("...Z" included); naive values are read as BRT."""
    parsed = datetime.fromisoformat(value)  # 3.11 accepts a trailing Z
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=BRT)
