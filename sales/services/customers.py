"""Customers: Discord users of one shop."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

import audit
from sales.models import Customer
from tenants.models import Tenant


def customer_upsert(*, tenant: Tenant, discord_user_id: str, display_name: str = "") -> Customer:
    """Create the customer on first sight; later calls refresh the display name."""
    qs = Customer.objects.for_tenant(tenant)
    customer = qs.filter(discord_user_id=discord_user_id).first()
    if customer is None:
        try:
            with transaction.atomic():
                return qs.create(tenant=tenant, discord_user_id=discord_user_id,
                                 display_name=display_name[:100])
        except IntegrityError:  # a concurrent first request won
            customer = qs.get(discord_user_id=discord_user_id)
    if display_name and customer.display_name != display_name[:100]:
        customer.display_name = display_name[:100]
        customer.save(update_fields=["display_name", "updated_at"])
    return customer


def customer_set_cart_thread(*, customer: Customer, thread_id: str) -> Customer:
    """Remember (or forget, with "") the private thread the bot opened for this buyer's cart."""
    if customer.cart_thread_id != thread_id:
        customer.cart_thread_id = thread_id
        customer.save(update_fields=["cart_thread_id", "updated_at"])
    return customer


@transaction.atomic
def customer_set_blocked(*, customer: Customer, actor: Any, blocked: bool,
                         reason: str = "") -> Customer:
    if customer.is_blocked != blocked:
        customer.is_blocked = blocked
        customer.save(update_fields=["is_blocked", "updated_at"])
        audit.record(actor=actor, tenant=customer.tenant,
                     action="customer.block" if blocked else "customer.unblock",
                     target=customer, data={"discord_user_id": customer.discord_user_id,
                                            "reason": reason})
    return customer


@transaction.atomic
def customer_erase(*, customer: Customer, actor: Any) -> Customer:
    """LGPD erasure: the buyer's identity goes, the shop's books stay.

    Orders, payments and ledger entries keep their amounts (the law and the accounts need
    them) but no longer point at a person: the Discord id and name are replaced, and audit
    lines that named the buyer are scrubbed. A later purchase by the same person starts a new,
    unrelated customer.
    """
    from audit.models import AuditEvent

    erased_id = f"erased-{customer.pk}"
    AuditEvent.objects.filter(target_type="sales.customer", target_id=str(customer.pk)).update(
        target_repr=erased_id, data={})
    customer.discord_user_id, customer.display_name = erased_id, ""
    customer.save(update_fields=["discord_user_id", "display_name", "updated_at"])
    audit.record(actor=actor, tenant=customer.tenant, action="customer.erase", target=customer,
                 data={})
    return customer
