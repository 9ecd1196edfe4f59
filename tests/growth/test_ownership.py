"""Who may see and change growth: the portal pages per role, the Bot API per shop.

Pages: the owner and managers open both; viewers read analytics but not the settings (403);
outsiders and other shops get 404. Bot API: a shop's token reaches only its own buyers (another
shop's buyer is 404 and nothing changes), product ids of other shops are dropped.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from growth.models import Event, GrowthSettings, NotificationOptOut, Welcome
from tests.api.conftest import BotClient, bot, other_bot  # noqa: F401
from tests.sales import factories as f

PAGES = ["growth_analytics", "growth_settings"]


def _url(shop, name: str) -> str:
    return reverse(f"portal:{name}", args=[shop.tenant.slug])


@pytest.mark.parametrize("name", PAGES)
def test_owner_and_manager_open_the_pages(shop, client_for, name):
    for user in (shop.owner, shop.manager):
        response = client_for(user).get(_url(shop, name))
        assert response.status_code == 200 and shop.tenant.name.encode() in response.content
    settings_page = client_for(shop.owner).get(_url(shop, "growth_settings")).content.decode()
    for field in ("recovery_delay_minutes", "feed_channel_id", "customer_role_id",
                  "welcome_channel_id"):
        assert f'name="{field}"' in settings_page


def test_viewer_reads_analytics_but_not_the_settings(shop, client_for):
    viewer = client_for(shop.viewer)
    assert viewer.get(_url(shop, "growth_analytics")).status_code == 200
    assert viewer.get(_url(shop, "growth_settings")).status_code == 403
    response = viewer.post(_url(shop, "growth_settings"), {"recovery_enabled": "on",
                                                           "recovery_delay_minutes": "30",
                                                           "recovery_coupon_percent": "0",
                                                           "feed_buyer": "name"})
    assert response.status_code == 403
    assert not GrowthSettings.objects.for_tenant(shop.tenant).exists()


@pytest.mark.parametrize("name", PAGES)
def test_outsider_and_other_shop_get_404(shop, other_shop, outsider, client_for, name):
    url = _url(shop, name)
    assert client_for(outsider).get(url).status_code == 404
    response = client_for(other_shop.owner).get(url)
    assert response.status_code == 404 and shop.tenant.name.encode() not in response.content
    assert client_for(other_shop.owner).get(url + "?format=csv").status_code == 404


def test_manager_saves_settings_and_bad_input_changes_nothing(shop, client_for):
    client = client_for(shop.manager)
    good = {"recovery_enabled": "on", "recovery_delay_minutes": "45",
            "recovery_coupon_percent": "10", "feed_enabled": "on",
            "feed_channel_id": "123456789012345678", "feed_buyer": "mention",
            "customer_role_id": "223456789012345678", "welcome_enabled": "on"}
    assert client.post(_url(shop, "growth_settings"), good).status_code == 302
    row = GrowthSettings.objects.for_tenant(shop.tenant).get()
    assert (row.recovery_delay_minutes, row.recovery_coupon_percent, row.feed_buyer) == \
        (45, 10, "mention")
    for bad in ({"recovery_coupon_percent": "95"}, {"recovery_delay_minutes": "1"},
                {"feed_channel_id": "", "feed_enabled": "on"}, {"customer_role_id": "12ab"},
                {"feed_buyer": "everyone"}):
        response = client.post(_url(shop, "growth_settings"), {**good, **bad})
        assert response.status_code == 400, bad
        row.refresh_from_db()
        assert (row.recovery_delay_minutes, row.recovery_coupon_percent) == (45, 10)


def test_notifications_are_per_shop_and_404_for_a_buyer_the_shop_lacks(
        shop, other_shop, bot, other_bot):  # noqa: F811
    buyer = f.customer(shop.tenant, "5550001", "Alice")
    path = f"customers/{buyer.discord_user_id}/notifications/"
    assert bot.get(path).json() == {"enabled": True}
    assert other_bot.get(path).status_code == 404
    assert other_bot.put(path, {"enabled": False}).status_code == 404
    assert not NotificationOptOut.objects.unscoped().exists()
    assert bot.put(path, {"enabled": False}).json() == {"enabled": False}
    assert bot.get(path).json() == {"enabled": False}
    assert bot.get("customers/999/notifications/").status_code == 404
    assert bot.put(path, {"enabled": "talvez"}).status_code == 400
    assert bot.put(path, {"enabled": True}).json() == {"enabled": True}
    assert not NotificationOptOut.objects.for_tenant(shop.tenant).exists()


def test_storefront_views_drop_other_shops_products(shop, other_shop, bot, other_bot):  # noqa: F811
    mine, theirs = f.product(shop.tenant), f.product(other_shop.tenant)
    response = bot.post("storefront/views/", {"product_ids": [mine.pk, theirs.pk, mine.pk]})
    assert response.json() == {"product_views": 1}
    events = Event.objects.for_tenant(shop.tenant)
    assert sorted(events.values_list("kind", "product_id")) == [("product_view", mine.pk),
                                                                ("storefront", None)]
    assert other_bot.post("storefront/views/", {"product_ids": [mine.pk]}).json() == \
        {"product_views": 0}
    assert bot.post("storefront/views/", {"product_ids": ["x"]}).status_code == 400
    assert BotClient("vtr_bad_token").post("storefront/views/", {}).status_code == 401


def test_member_welcome_only_when_the_shop_wants_it(shop, bot):  # noqa: F811
    assert bot.post("members/welcome/", {"discord_user_id": "777"}).json() == \
        {"welcomed": False}
    GrowthSettings.objects.create(tenant=shop.tenant, welcome_enabled=True)
    assert bot.post("members/welcome/", {"discord_user_id": "777"}).json() == {"welcomed": True}
    assert bot.post("members/welcome/", {"discord_user_id": "777"}).json() == \
        {"welcomed": False}  # once per member
    assert bot.post("members/welcome/", {"discord_user_id": "7a"}).status_code == 400
    assert Welcome.objects.for_tenant(shop.tenant).count() == 1
