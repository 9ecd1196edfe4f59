"""Attribution through an affiliate's link, end to end with the real bot: the owner posts a
product (/postar), the affiliate gets their link to that post in /afiliado, a friend opens it
(the portal counts the click, Discord's sign-in on the sandbox says who they are, and they land
on the post's message), clicks the post's "Comprar", pays, and the affiliate's commission is
recorded; /afiliado then shows the click and the sale."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import requests

from affiliates.models import Commission, LinkVisit
from catalog.models import ProductPost
from payments.models import Payment
from payments.services import payment_reconcile_one
from tests.bot.conftest import orm
from tests.bot.test_storefront import command, custom_ids
from tests.tenants.test_discord_login import consent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36"


def _program(world) -> None:
    tenant = world.products["prod"].tenant
    tenant.settings = {**tenant.settings, "affiliate_enabled": True, "affiliate_percent": 10}
    tenant.discord_guild_id = world.guild_id
    tenant.save()


def _open_link(world, url: str, user_id: str) -> str:
    """What the friend's browser does: open the link, allow on Discord, come back."""
    session = requests.Session()
    session.headers["User-Agent"] = BROWSER
    start = session.get(url, allow_redirects=False, timeout=10)
    assert start.status_code == 302 and start.headers["Location"].startswith(world.sb.url)
    assert parse_qs(urlparse(start.headers["Location"]).query)["scope"] == ["identify"]
    back = session.get(consent(world.sb, start.headers["Location"], user_id),
                       allow_redirects=False, timeout=10)
    assert back.status_code == 302
    return back.headers["Location"]


async def test_a_friend_buys_through_the_affiliates_link(world, running, mp, settings):
    callback = f"{world.platform_url}/a/callback/"
    login = world.sb.create_application("Vitrine", redirect_uris=[callback],
                                        client_secret="links-secret")
    settings.DISCORD_CLIENT_ID, settings.DISCORD_CLIENT_SECRET = str(login["id"]), \
        "links-secret"
    settings.DISCORD_API_BASE_URL = f"{world.sb.url}/api"
    settings.DISCORD_OAUTH_AUTHORIZE_URL = f"{world.sb.url}/oauth2/authorize"
    settings.PUBLIC_URL = world.platform_url
    await orm(_program, world)
    await command(world, running, "postar", user=world.owner,
                  options={"produto": "curso", "canal": world.channel_id})
    post = await orm(lambda: ProductPost.objects.unscoped().get(
        product=world.products["single"]))

    # The buyer of the world is the affiliate: /afiliado lists a link per posted product.
    mine = await command(world, running, "afiliado")
    [reply] = mine["followups"] or [mine["message"]]
    fields = {f["name"]: f["value"] for f in reply["embeds"][0]["fields"]}
    link = next(line.split(": ", 1)[1] for line in fields["Seus links"].splitlines()
                if line.startswith("• Curso: "))
    assert link.endswith(f"/{post.pk}/") and link.startswith(world.platform_url)

    friend = world.sb.create_user("bruno")
    world.sb.add_member(world.guild_id, friend["id"])
    landed = await orm(_open_link, world, link, friend["id"])
    assert landed == (f"https://discord.com/channels/{world.guild_id}/{post.channel_id}/"
                      f"{post.message_id}")
    visit = await orm(lambda: LinkVisit.objects.unscoped().get())
    assert visit.discord_user_id == friend["id"] and visit.bound_at is None

    # On the post, the friend clicks its button: the cart opens and the visit binds.
    [message] = [m for m in await world.sb.aio.messages(world.channel_id)
                 if m["id"] == post.message_id]
    buy = next(c for c in custom_ids(message) if c and c.startswith("vt:buy:"))  # "Comprar"
    clicked = await world.sb.aio.click(world.channel_id, message["id"], friend["id"], buy)
    await running.tracker.wait(clicked["id"])
    assert (await orm(lambda: LinkVisit.objects.unscoped().get())).bound_at is not None
    payment = await orm(lambda: Payment.objects.unscoped().get())
    await orm(mp.approve, payment.provider_payment_id)
    await orm(payment_reconcile_one, payment=payment)
    commission = await orm(lambda: Commission.objects.unscoped().select_related(
        "affiliate__customer").get())
    assert commission.affiliate.customer.discord_user_id == world.buyer["id"]
    assert commission.amount_cents == 1000  # 10% of R$ 100,00

    again = await command(world, running, "afiliado")
    [stats] = again["followups"] or [again["message"]]
    shown = {f["name"]: f["value"] for f in stats["embeds"][0]["fields"]}
    assert shown["Cliques nos links"] == "1" and shown["Vendas"] == "1"
    assert shown["A receber"] == "R$ 10,00"
