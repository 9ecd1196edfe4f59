"""Affiliate links: /a/<shop>/<code>/<post>/ counts people (not previews, not repeats within the
hour, nothing about them kept), asks Discord who they are, and sends them to the post; their
next cart in the shop within the window binds the attribution. Self-referral refused; bad
links 404 and change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from affiliates import links, services
from affiliates.models import Click, LinkVisit, Referral
from catalog.models import ProductPost
from payments.registry import Outcome, dispatch
from sales import services as sales
from sandbox.discord.testing import DiscordSandbox
from tests.affiliates.test_commissions import _program
from tests.sales import factories as f
from tests.tenants.test_discord_login import consent

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36"
CALLBACK = "http://testserver/a/callback/"


@pytest.fixture
def linked(shop):
    cache.clear()
    tenant = shop.tenant
    _program(tenant)
    tenant.discord_guild_id = "900"
    tenant.save()
    v = f.variant(f.product(tenant, name="Chave"), price_cents=10000, keys=5)
    post = ProductPost.objects.create(tenant=tenant, product=v.product, channel_id="901",
                                      message_id="902")
    ana = f.customer(tenant, discord_user_id="100", name="Ana")
    return v, post, services.affiliate_join(customer=ana), ana


@pytest.fixture(scope="module")
def discord() -> Iterator[DiscordSandbox]:
    with DiscordSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def oauth(discord, settings):
    app = discord.create_application("Vitrine", redirect_uris=[CALLBACK],
                                     client_secret="link-secret")
    settings.DISCORD_CLIENT_ID, settings.DISCORD_CLIENT_SECRET = str(app["id"]), "link-secret"
    settings.DISCORD_API_BASE_URL = f"{discord.url}/api"
    settings.DISCORD_OAUTH_AUTHORIZE_URL = f"{discord.url}/oauth2/authorize"
    settings.PUBLIC_URL = "http://testserver"
    return discord


def _url(affiliate, post=None) -> str:
    return links.link_path(affiliate=affiliate, post=post)


def _open(client, url, agent=BROWSER, address="203.0.113.5", **headers):
    return client.get(url, HTTP_USER_AGENT=agent, REMOTE_ADDR=address, **headers)


def test_clicks_count_people_once_an_hour_never_previews(linked, settings):
    settings.DISCORD_CLIENT_ID = ""  # no sign-in configured: straight to the post
    _v, post, affiliate, _ana = linked
    client = Client()
    first = _open(client, _url(affiliate, post))
    assert first.status_code == 302
    assert first["Location"] == "https://discord.com/channels/900/901/902"
    assert first["Cache-Control"] == "no-store"
    _open(client, _url(affiliate, post))  # the same person again within the hour
    for agent in ("Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
                  "facebookexternalhit/1.1", "curl/8.5", ""):
        assert _open(client, _url(affiliate, post), agent=agent).status_code == 302
    _open(client, _url(affiliate, post), address="203.0.113.9", HTTP_SEC_PURPOSE="prefetch")
    _open(client, _url(affiliate, post), address="203.0.113.6")  # someone else
    assert Click.objects.for_tenant(affiliate.tenant).filter(post=post).count() == 2
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        cache.clear()  # the hour's window is the cache's; Redis would expire it by itself
        _open(client, _url(affiliate, post))
    assert Click.objects.for_tenant(affiliate.tenant).count() == 3
    shop_link = _open(client, _url(affiliate), address="203.0.113.7")
    assert shop_link["Location"] == "https://discord.com/channels/900"
    # Nothing about the visitor is kept: a click is an affiliate, a post and a time.
    fields = {field.name for field in Click._meta.get_fields()}
    assert fields == {"id", "tenant", "affiliate", "post", "created_at"}


def test_an_affiliates_clicks_are_capped_per_minute(linked, monkeypatch):
    _v, post, affiliate, _ana = linked
    monkeypatch.setattr(links, "CLICKS_PER_MINUTE", 3)
    target = links.target_find(slug=affiliate.tenant.slug, code=affiliate.code, post_id=post.pk)
    counted = [links.click_record(target=target, address=f"198.51.100.{i}",
                                  user_agent=BROWSER) for i in range(5)]
    assert counted == [True, True, True, False, False]
    assert Click.objects.for_tenant(affiliate.tenant).count() == 3


def test_bad_links_404_and_count_nothing(linked, other_shop):
    _v, post, affiliate, _ana = linked
    other_post = ProductPost.objects.create(tenant=other_shop.tenant, channel_id="1",
                                            product=f.product(other_shop.tenant),
                                            message_id="2")
    client = Client()
    slug = affiliate.tenant.slug
    for url in (f"/a/{slug}/NOPE/", f"/a/nope/{affiliate.code}/",
                f"/a/{slug}/{affiliate.code}/{other_post.pk}/",
                f"/a/{slug}/{affiliate.code}/999999/",
                f"/a/{other_shop.tenant.slug}/{affiliate.code}/"):
        assert _open(client, url).status_code == 404, url
    assert client.post(_url(affiliate, post)).status_code == 405
    assert _open(client, "/a/callback/?state=forged&code=x").status_code == 404
    _program(affiliate.tenant, affiliate_enabled=False)
    assert _open(client, _url(affiliate, post)).status_code == 404
    assert not Click.objects.for_tenant(affiliate.tenant).exists()


def _through_discord(client, oauth, url, user_id) -> str:
    start = _open(client, url)
    assert start.status_code == 302 and start["Location"].startswith(oauth.url)
    query = parse_qs(urlparse(start["Location"]).query)
    assert query["scope"] == ["identify"] and query["redirect_uri"] == [CALLBACK]
    back = urlparse(consent(oauth, start["Location"], user_id))
    landed = client.get(f"{back.path}?{back.query}")
    assert landed.status_code == 302
    return landed["Location"]


def test_a_visit_binds_at_the_next_cart_and_earns_the_commission(linked, oauth, mp):
    v, post, affiliate, _ana = linked
    bruno = oauth.create_user("bruno")
    assert _through_discord(Client(), oauth, _url(affiliate, post), bruno["id"]) == \
        "https://discord.com/channels/900/901/902"
    visit = LinkVisit.objects.for_tenant(affiliate.tenant).get()
    assert visit.discord_user_id == bruno["id"] and visit.bound_at is None
    buyer = f.customer(affiliate.tenant, discord_user_id=bruno["id"], name="Bruno")
    sales.cart_add(customer=buyer, variant_id=v.pk)
    visit.refresh_from_db()
    assert visit.bound_at is not None
    assert Referral.objects.for_tenant(affiliate.tenant).get(customer=buyer).affiliate == affiliate
    result = sales.checkout(customer=buyer)
    dispatch(result.payment, Outcome.APPROVED)
    assert result.order.commission.affiliate_id == affiliate.pk


def test_own_link_and_old_visits_attribute_nothing(linked, oauth):
    v, post, affiliate, ana = linked
    _through_discord(Client(), oauth, _url(affiliate, post), ana.discord_user_id)
    assert not LinkVisit.objects.for_tenant(affiliate.tenant).exists()  # their own click
    late = oauth.create_user("late")
    _through_discord(Client(), oauth, _url(affiliate, post), late["id"])
    buyer = f.customer(affiliate.tenant, discord_user_id=late["id"])
    with time_machine.travel(timezone.now() + timedelta(days=links.LINK_DAYS + 1)):
        sales.cart_add(customer=buyer, variant_id=v.pk)
    assert not Referral.objects.for_tenant(affiliate.tenant).exists()


def test_declining_on_discord_still_lands_on_the_post(linked, oauth):
    _v, post, affiliate, _ana = linked
    client = Client()
    start = _open(client, _url(affiliate, post))
    state = parse_qs(urlparse(start["Location"]).query)["state"][0]
    landed = client.get("/a/callback/", {"state": state, "error": "access_denied"})
    assert landed.status_code == 302
    assert landed["Location"] == "https://discord.com/channels/900/901/902"
    assert not LinkVisit.objects.for_tenant(affiliate.tenant).exists()
    assert Click.objects.for_tenant(affiliate.tenant).count() == 1
