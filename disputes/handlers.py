"""The provider notifications disputes takes from payments' webhook endpoints.

Registered in DisputesConfig.ready (payments.registry.register_topic): the endpoints verify,
store (unique event id) and acknowledge them like payment notifications, then
payments.tasks.apply_webhook_event calls one of these with the stored event. Each re-reads the
dispute from the provider's API and applies it (services.dispute_apply).
"""

from __future__ import annotations

from disputes import services, truth
from payments import registry
from payments.models import Payment, WebhookEvent
from payments.providers.base import ProviderError
from payments.services import UnknownPayment

# Mercado Pago: the Webhooks `type` and the legacy IPN `topic` of the same notifications.
MP_CHARGEBACK_TOPICS = ("topic_chargebacks_wh", "chargebacks")
MP_CLAIM_TOPICS = ("topic_claims_integration_wh", "claims")
STRIPE_DISPUTE_TOPICS = ("charge.dispute.created", "charge.dispute.updated",
                         "charge.dispute.closed", "charge.dispute.funds_withdrawn",
                         "charge.dispute.funds_reinstated")


def _read(reader, external_id: str):
    try:
        return reader(external_id)
    except ProviderError as exc:
        if exc.status == 404:
            raise UnknownPayment(f"dispute {external_id} not found at the provider") from exc
        raise


def mp_chargeback(event: WebhookEvent) -> Payment | None:
    return services.dispute_apply(truth=_read(truth.mp_chargeback, event.data_id))


def mp_claim(event: WebhookEvent) -> Payment | None:
    return services.dispute_apply(truth=_read(truth.mp_claim, event.data_id))


def stripe_dispute(event: WebhookEvent) -> Payment | None:
    return services.dispute_apply(truth=_read(truth.stripe_dispute, event.data_id))


def register() -> None:
    for topic in MP_CHARGEBACK_TOPICS:
        registry.register_topic("mercadopago", topic, mp_chargeback)
    for topic in MP_CLAIM_TOPICS:
        registry.register_topic("mercadopago", topic, mp_claim)
    for topic in STRIPE_DISPUTE_TOPICS:
        registry.register_topic("stripe", topic, stripe_dispute)
