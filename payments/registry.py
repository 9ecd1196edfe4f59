"""Payable handlers: how payments tells a higher app that its payable's payment changed.

Apps above payments (sales for orders, tenants billing for subscriptions) register a handler for
their payable model in `AppConfig.ready()`. Payments calls it inside the same database
transaction as the status change (DESIGN.md, Contracts), so "payment approved" and "order paid"
commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from payments.models import Payment


class Outcome(StrEnum):
    APPROVED = "approved"
    REFUNDED = "refunded"
    CHARGED_BACK = "charged_back"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    # A Refund row (partial or full) was recorded; the handler reads the payment's refunds.
    # Dispatched once per new Refund; handlers must be idempotent (replays re-dispatch nothing,
    # but a refund seen first by the webhook and then by the portal call may be re-announced).
    REFUND = "refund"


Handler = Callable[["Payment", Outcome], None]
_handlers: dict[str, Handler] = {}


def register(model_label: str, handler: Handler) -> None:
    """`model_label` is `app_label.modelname`, e.g. "sales.order"."""
    _handlers[model_label.lower()] = handler


def dispatch(payment: Payment, outcome: Outcome) -> None:
    label = f"{payment.payable_type.app_label}.{payment.payable_type.model}"
    handler = _handlers.get(label)
    if handler is None:
        raise LookupError(f"no payment handler registered for {label}")
    handler(payment, outcome)


# --- Notification topics other than payments ---------------------------------------------------
# A higher app (disputes) takes the provider notifications about things that are not payments:
# Mercado Pago's `chargebacks` and `claims` topics, Stripe's `charge.dispute.*` events. The
# webhook endpoints store them like any other (verified, unique id, acknowledged at once) and
# `payments.tasks.apply_webhook_event` hands the stored event to the registered handler, which
# re-reads the truth from the provider's API and returns the Payment it concerned (or None).
TopicHandler = Callable[["WebhookEvent"], "Payment | None"]
_topics: dict[tuple[str, str], TopicHandler] = {}
_names: dict[str, frozenset[str]] = {}  # per provider, read on every acknowledgement

if TYPE_CHECKING:
    from payments.models import WebhookEvent


def register_topic(provider: str, topic: str, handler: TopicHandler) -> None:
    _topics[(provider, topic)] = handler
    _names[provider] = _names.get(provider, frozenset()) | {topic}


def topic_handler(provider: str, topic: str) -> TopicHandler | None:
    return _topics.get((provider, topic))


def topics(provider: str) -> frozenset[str]:
    return _names.get(provider, frozenset())
