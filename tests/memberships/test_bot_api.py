"""The memberships Bot API: subscribe, state, switch, cancel, pay, Ko-fi link; each answers
only for its own shop's buyers, and refuses bad input with the API's error shape."""

from __future__ import annotations

import pytest

from memberships.models import Member
from tests.api.conftest import BotClient, bot, other_bot  # noqa: F401
from tests.memberships.conftest import pay, reload


@pytest.fixture
def tiers_api(world, tiers):
    return tiers


def _c(world) -> str:
    return f"customers/{world.buyer_id}/"


def test_subscribe_pay_switch_cancel(world, tiers_api, bot, mp):  # noqa: F811
    tiers = tiers_api
    assert [t["name"] for t in bot.get("memberships/tiers/").json()["tiers"]] == \
        ["Silver", "Gold"]
    state = bot.get(_c(world) + "membership/").json()
    assert state["membership"] is None and len(state["tiers"]) == 2
    response = bot.post(_c(world) + "membership/", {"tier_id": tiers["silver"].pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["payment"]["pix_code"] and body["payment"]["amount_cents"] == 1990
    member = Member.objects.for_tenant(world.tenant).get()
    payment = member.charges.get().payment_pk
    from payments.models import Payment

    pay(mp, Payment.objects.for_tenant(world.tenant).get(pk=payment))
    state = bot.get(_c(world) + "membership/").json()["membership"]
    assert state["status"] == "active" and state["tier"]["name"] == "Silver"
    again = bot.post(_c(world) + "membership/", {"tier_id": tiers["gold"].pk})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_member"
    switch = bot.post(_c(world) + "membership/switch/", {"tier_id": tiers["gold"].pk}).json()
    assert switch["applied"] == "pending_payment" and switch["payment"]["amount_cents"] > 0
    cancel = bot.post(_c(world) + "membership/cancel/").json()
    assert cancel["membership"]["status"] == "cancelled"
    assert reload(member).status == "cancelled"


def test_bad_input_is_a_4xx_and_changes_nothing(world, tiers_api, bot):  # noqa: F811
    for body in ({}, {"tier_id": "x"}, {"tier_id": 0}, {"tier_id": 99999},
                 {"tier_id": tiers_api["gold"].pk, "method": "boleto"}):
        response = bot.post(_c(world) + "membership/", body)
        assert 400 <= response.status_code < 500 and "error" in response.json()
    assert bot.post(_c(world) + "kofi-link/", {"email": "nope"}).status_code == 400
    assert bot.post(_c(world) + "kofi-link/", {"email": "a@b.co", "code": "12"}).status_code \
        == 400
    assert bot.post(_c(world) + "membership/cancel/").status_code == 404
    assert not Member.objects.for_tenant(world.tenant).exists()


def test_other_shop_sees_nothing_of_this_buyer(world, tiers_api, bot, other_bot):  # noqa: F811
    bot.post(_c(world) + "membership/", {"tier_id": tiers_api["silver"].pk})
    assert other_bot.get(_c(world) + "membership/").status_code == 404
    assert other_bot.post(_c(world) + "membership/cancel/").status_code == 404
    assert other_bot.post(_c(world) + "membership/",
                          {"tier_id": tiers_api["silver"].pk}).status_code == 404
    assert other_bot.get("memberships/tiers/").json()["tiers"] == []
    assert bot.get(_c(world) + "membership/", HTTP_AUTHORIZATION="Bearer x").status_code == 401
