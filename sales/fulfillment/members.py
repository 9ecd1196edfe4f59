"""A buyer came back to the server: roles that failed for their absence are granted again."""

from __future__ import annotations

from django.db import transaction

import audit
from sales.fulfillment.enqueue import enqueue_delivery
from sales.models import Customer, Delivery
from sales.models import OrderStatus as S
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
    failed = (Delivery.objects.for_tenant(tenant).select_related("order")
              .filter(order__customer=customer, kind=Delivery.Kind.ROLE,
                      state=Delivery.State.FAILED, failure_code=UNKNOWN_MEMBER)
              .exclude(order__status__in=(S.REFUNDED, S.CHARGED_BACK)))
    return sum(_requeue(tenant, delivery, actor) for delivery in failed)


def _requeue(tenant: Tenant, delivery: Delivery, actor: str) -> bool:
    moved = Delivery.objects.for_tenant(delivery.tenant_id).filter(
        pk=delivery.pk, state=Delivery.State.FAILED, failure_code=UNKNOWN_MEMBER,
    ).update(state=Delivery.State.PENDING, attempts=0, last_error="", failure_code="")
    if not moved:
        return False  # a concurrent join (or a staff re-run) took it first
    audit.record(actor=actor, tenant=tenant, action="delivery.requeue",
                 target=delivery, data={"order": delivery.order.code, "role_id": delivery.role_id,
                                        "why": "member joined"})
    enqueue_delivery(delivery.tenant_id, delivery.pk)
    return True
