"""The customer role: granted after a buyer's first paid order, removed (if the owner wants)
when a full refund or chargeback leaves them with no paid order at all."""

from __future__ import annotations

from django.utils import timezone

from growth.enqueue import after_commit
from growth.models import RoleGrant
from growth.services.settings import settings_for
from sales.fulfillment import discord_rest
from sales.fulfillment.buyer import bot_token
from sales.models import Order
from tenants.models import Tenant

RETRY_SECONDS = (30, 120, 600, 3600)
KEEPS_ROLE = ("paid", "delivering", "delivered", "partially_delivered", "delivery_failed")


def role_on_paid(order: Order) -> None:
    config = settings_for(order.tenant_id)
    if not config.customer_role_id:
        return
    grants = RoleGrant.objects.for_tenant(order.tenant_id)
    row, created = grants.get_or_create(
        tenant_id=order.tenant_id, customer_id=order.customer_id,
        defaults={"role_id": config.customer_role_id})
    if created or grants.filter(pk=row.pk, state__in=[RoleGrant.State.REMOVED,
                                                     RoleGrant.State.REMOVING]).update(
            state=RoleGrant.State.PENDING, role_id=config.customer_role_id):
        after_commit("role_grant", order.tenant_id, row.pk)


def role_on_revoked(order: Order) -> None:
    config = settings_for(order.tenant_id)
    if not config.customer_role_remove_on_refund:
        return
    still_buyer = Order.objects.for_tenant(order.tenant_id).filter(
        customer_id=order.customer_id, status__in=KEEPS_ROLE).exclude(pk=order.pk).exists()
    if still_buyer:
        return
    grants = RoleGrant.objects.for_tenant(order.tenant_id).filter(
        customer_id=order.customer_id, state__in=[RoleGrant.State.GRANTED,
                                                  RoleGrant.State.PENDING])
    row = grants.first()
    if row is not None and grants.update(state=RoleGrant.State.REMOVING):
        after_commit("role_grant", order.tenant_id, row.pk)


def role_apply(*, tenant_id: int, grant_id: int) -> str:
    """Make Discord match the row: add the role (PENDING) or remove it (REMOVING).

    Returns the outcome ("granted", "removed", "failed", "retry", or "" for nothing to do).
    Adding or removing a role twice is harmless at
    Discord, so a re-run after a crash needs no claim.
    """
    row = RoleGrant.objects.for_tenant(tenant_id).select_related("customer").filter(
        pk=grant_id).first()
    if row is None or row.state not in (RoleGrant.State.PENDING, RoleGrant.State.REMOVING):
        return ""
    tenant = Tenant.objects.get(pk=tenant_id)
    call = discord_rest.add_role if row.state == RoleGrant.State.PENDING \
        else discord_rest.remove_role
    done = RoleGrant.State.GRANTED if row.state == RoleGrant.State.PENDING \
        else RoleGrant.State.REMOVED
    try:
        call(token=bot_token(tenant), guild_id=tenant.discord_guild_id,
             user_id=row.customer.discord_user_id, role_id=row.role_id,
             reason="Vitrine: customer role")
    except discord_rest.DiscordError as exc:
        if not exc.permanent:
            return "retry"
        RoleGrant.objects.for_tenant(tenant_id).filter(pk=row.pk, state=row.state).update(
            state=RoleGrant.State.FAILED, error=str(exc)[:200], updated_at=timezone.now())
        return "failed"
    RoleGrant.objects.for_tenant(tenant_id).filter(pk=row.pk, state=row.state).update(
        state=done, error="", updated_at=timezone.now())
    return str(done)
