"""Bot API `link/`: /vincular links the shop to its Discord server."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from tenants.models import Tenant
from tenants.services import instance_token_create, tenant_link_guild

GUILD = "1187654321098765432"


def _err(response) -> str:
    return response.json()["error"]["code"]


def test_link_sets_the_guild_and_staff_role_and_audits(bot, shop):
    response = bot.post("link/", {"guild_id": GUILD, "staff_role_id": "42", "key": bot.raw})
    assert response.status_code == 200, response.content
    assert response.json() == {"guild_id": GUILD, "staff_role_id": "42", "shop": "Loja Alfa"}
    tenant = Tenant.objects.get(pk=shop.tenant.pk)
    assert (tenant.discord_guild_id, tenant.staff_role_id) == (GUILD, "42")
    assert AuditEvent.objects.filter(action="tenant.link_guild").count() == 1
    # Relinking elsewhere keeps the staff role when none is given.
    assert bot.post("link/", {"guild_id": "999", "key": bot.raw}).status_code == 200
    tenant.refresh_from_db()
    assert (tenant.discord_guild_id, tenant.staff_role_id) == ("999", "42")


def test_a_token_of_one_shop_cannot_link_another(bot, other_bot, shop, other_shop):
    # Tenant B's bot, given tenant A's key: refused, and nobody is linked.
    response = other_bot.post("link/", {"guild_id": GUILD, "key": bot.raw})
    assert response.status_code == 401 and _err(response) == "unauthorized"
    # Tenant A's bot can only ever link tenant A.
    assert bot.post("link/", {"guild_id": GUILD, "key": bot.raw}).status_code == 200
    assert Tenant.objects.get(pk=shop.tenant.pk).discord_guild_id == GUILD
    assert Tenant.objects.get(pk=other_shop.tenant.pk).discord_guild_id == ""


def test_a_second_key_of_the_same_shop_is_accepted(bot, shop):
    _token, second = instance_token_create(tenant=shop.tenant, actor=shop.owner)
    assert bot.post("link/", {"guild_id": GUILD, "key": second}).status_code == 200


@pytest.mark.parametrize("body", [
    {"guild_id": "abc"}, {"guild_id": ""}, {"guild_id": "0"}, {"guild_id": "1" * 21},
    {"guild_id": "-5"}, {"guild_id": GUILD, "staff_role_id": "x"}, {},
])
def test_bad_guild_ids_are_400(bot, shop, body):
    response = bot.post("link/", {"key": bot.raw, **body})
    assert response.status_code == 400 and _err(response) == "invalid_request"
    assert Tenant.objects.get(pk=shop.tenant.pk).discord_guild_id == ""


def test_wrong_key_missing_key_and_no_token(bot, shop, client):
    assert _err(bot.post("link/", {"guild_id": GUILD, "key": "vtr_nope_nope"})) == "unauthorized"
    assert _err(bot.post("link/", {"guild_id": GUILD})) == "invalid_request"
    response = client.post("/api/bot/v1/link/", {"guild_id": GUILD},
                           content_type="application/json")
    assert response.status_code == 401
    assert Tenant.objects.get(pk=shop.tenant.pk).discord_guild_id == ""


def test_service_validates_ids(shop):
    with pytest.raises(ValueError):
        tenant_link_guild(tenant=shop.tenant, guild_id="abc")
    with pytest.raises(ValueError):
        tenant_link_guild(tenant=shop.tenant, guild_id=GUILD, staff_role_id="nope")
    tenant = tenant_link_guild(tenant=shop.tenant, guild_id=GUILD, staff_role_id="")
    assert (tenant.discord_guild_id, tenant.staff_role_id) == (GUILD, "")
