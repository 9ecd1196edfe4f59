"""A shop with membership tiers in a sandboxed Discord server, Mercado Pago's sandbox, and
Celery eager: role jobs and DMs run through the real discord.py HTTP client."""

from __future__ import annotations

import pytest

from memberships.models import Member, Tier
from payments.models import Payment
from payments.services import payment_sync
from tests.fulfillment.conftest import World, eager, sandbox, world  # noqa: F401
from tests.sales.factories import mp  # noqa: F401


@pytest.fixture(autouse=True)
def _english(settings) -> None:
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def roles(world):  # noqa: F811
    return {"gold": world.sb.create_role(world.guild_id, "Gold")["id"],
            "silver": world.sb.create_role(world.guild_id, "Silver")["id"]}


@pytest.fixture
def tiers(world, roles):  # noqa: F811
    world.tenant.locale = "en"  # the DMs speak the shop's language; these tests read English
    world.tenant.save(update_fields=["locale"])
    silver = Tier.objects.create(tenant=world.tenant, name="Silver", role_id=roles["silver"],
                                 price_cents=1990, period="monthly")
    gold = Tier.objects.create(tenant=world.tenant, name="Gold", role_id=roles["gold"],
                               price_cents=4990, period="monthly", kofi_tier_name="Gold Club")
    return {"silver": silver, "gold": gold}


def member_roles(world) -> list[str]:  # noqa: F811
    return world.sb.member(world.guild_id, world.buyer_id)["roles"]


def dms(world) -> list[str]:  # noqa: F811
    """Texts of the DMs the buyer got, oldest first."""
    return [m["content"] for m in world.sb.dms(world.buyer_id)]


def pay(mp, payment: Payment) -> Payment:  # noqa: F811
    """The buyer pays at Mercado Pago; the webhook task re-reads it (as payments does)."""
    mp.approve(payment.provider_payment_id)
    return payment_sync(provider_payment_id=payment.provider_payment_id)


def reload(member: Member) -> Member:
    return Member.objects.for_tenant(member.tenant_id).select_related("tier").get(pk=member.pk)
