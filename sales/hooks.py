"""Decisions the seller features above sales take part in (DESIGN.md rule 6: sales calls what
was registered, it never imports those apps).

- Checkout guards run inside checkout's transaction, before anything is reserved or charged;
  a guard refuses by raising `sales.errors.SalesError` (the buyer sees its message), so a refusal
  leaves nothing behind. Trust's blocklists and risk rules are one.
- Paid gates run when a payment is approved, before deliveries are created: a gate returns a
  short reason to hold the order (e.g. "first purchase above R$ 500: manual review") or None.
  A held order is delivered only when the app that held it releases it.
- Code handlers take a code typed in the coupon field that is no coupon of the shop (an
  affiliate's code, say): a handler returns True when the code was its own and it acted on it,
  False to let the next one look, or raises `SalesError` to refuse with its message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sales.errors import SalesError


@dataclass(frozen=True)
class CheckoutAttempt:
    customer: Any  # sales.models.Customer (tenant loaded)
    cart: Any  # sales.models.Cart, locked
    total_cents: int
    currency: str
    method: str  # payments.models.Payment.Method value
    # The emails this buyer has paid with, as the providers reported them (card checkouts).
    payer_emails: tuple[str, ...] = ()


class Refusal(SalesError):
    """A guard's refusal. Checkout's transaction rolls back everything it wrote, so the refusal
    is written to the audit log after that (sales.services.checkout.checkout), by `rule`."""

    def __init__(self, code: str, *, rule: str, data: dict[str, Any] | None = None,
                 **params: Any) -> None:
        super().__init__(code, **params)
        self.rule = rule
        self.data = data or {}


CheckoutGuard = Callable[[CheckoutAttempt], None]
PaidGate = Callable[[Any], "str | None"]  # Order -> reason to hold, or None

CodeHandler = Callable[[Any, str], bool]  # (Customer, code) -> handled

_guards: dict[str, CheckoutGuard] = {}
_gates: dict[str, PaidGate] = {}
_code_handlers: dict[str, CodeHandler] = {}


def register_checkout_guard(name: str, guard: CheckoutGuard) -> None:
    """By name, so a second ready() (tests, autoreload) replaces rather than doubles."""
    _guards[name] = guard


def register_paid_gate(name: str, gate: PaidGate) -> None:
    _gates[name] = gate


def register_code_handler(name: str, handler: CodeHandler) -> None:
    _code_handlers[name] = handler


def code_handled(*, customer: Any, code: str) -> bool:
    """Whether a registered handler took `code` (it may refuse by raising SalesError)."""
    return any(handler(customer, code) for handler in _code_handlers.values())


def checkout_guards_run(attempt: CheckoutAttempt) -> None:
    for guard in _guards.values():
        guard(attempt)


def paid_hold_reason(order: Any) -> str | None:
    for gate in _gates.values():
        reason = gate(order)
        if reason:
            return reason
    return None
