"""What sales announces to the seller features above it (trust, growth, affiliates, credit,
memberships, services). Sales never imports them (DESIGN.md rule 6); they connect receivers in
their AppConfig.ready().

Every signal is sent inside the transaction that made the change, so a receiver that writes rows
commits or rolls back with it; a receiver with outside effects (a DM, a channel post) enqueues
its task with `transaction.on_commit`. Receivers must be idempotent: a replayed webhook or a
retried task may announce the same order twice (the state machine only moves once, but
`order_delivered` can follow a re-settle).

Arguments (all keyword): `order` (sales.models.Order, tenant loaded) unless said otherwise.
"""

from __future__ import annotations

from django.dispatch import Signal

# Cart: a line was added (`cart`, `variant`, `quantity`); the growth funnel and abandoned carts.
cart_item_added = Signal()
# Checkout: an order was created from a cart and its stock reserved (`order`, `cart`).
order_created = Signal()
# The order's payment was approved and its deliveries were created (`order`).
order_paid = Signal()
# Every delivery of the order succeeded (`order`).
order_delivered = Signal()
# The order was refunded in full or charged back (`order`, `status`: "refunded"/"charged_back").
order_revoked = Signal()
# Part of the order was given back and it stays paid (`order`, `refunded_cents`: everything
# refunded of it so far, to the payment method and to store credit, at most its total). Sent
# after each partial refund; a receiver reacts to the running total, so a replay is harmless.
order_refunded_partly = Signal()
