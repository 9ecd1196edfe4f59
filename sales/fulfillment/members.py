"""A buyer came back to the server: roles that failed for their absence are granted again."""

from __future__ import annotations

from django.db import transaction

from sales.fulfillment.services import delivery_retry
from sales.models import REVOKED_STATUSES, Customer, Delivery
from tenants.models import Tenant

UNKNOWN_MEMBER = "unknown_member"  # DeliveryError.metric of Discord's 10007


@transaction.atomic
def roles_requeue_for_member(*, tenant: Tenant, discord_user_id: str, actor: str = "bot") -> int:
    """Put this buyer's role deliveries that failed with "not in the server" back in the queue.

    Refunded or charged-back orders are left alone: the buyer no longer owns those roles.
    """
    customer = Customer.objects.for_tenant(tenant).filter(discord_user_id=discord_user_id).first()
    if customer is None:
        return 0
    failed = (Delivery.objects.for_tenant(tenant).select_related("order__tenant")
              .filter(order__customer=customer, kind=Delivery.Kind.ROLE,
                      state=Delivery.State.FAILED, failure_code=UNKNOWN_MEMBER)
              .exclude(order__status__in=REVOKED_STATUSES))
    return sum(delivery_retry(delivery=delivery, actor=actor, failure_code=UNKNOWN_MEMBER,
                              action="delivery.requeue", why="member joined")
               for delivery in failed)
