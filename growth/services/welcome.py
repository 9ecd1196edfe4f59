"""The welcome message: a new member of the shop's server is greeted once, in the welcome
channel (mentioned) or by DM, with a link to the shop's catalogue post."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext, override

from catalog.models import ProductPost
from growth.enqueue import after_commit
from growth.models import Welcome
from growth.services.settings import settings_for
from sales.fulfillment import discord_rest
from sales.fulfillment.buyer import bot_token
from tenants.models import Tenant

DISCORD_WEB = "https://discord.com/channels"


def member_joined(*, tenant: Tenant, discord_user_id: str) -> bool:
    """The bot saw a member join: queue their welcome. False when welcomes are off or this
    member was welcomed before."""
    if not settings_for(tenant).welcome_enabled:
        return False
    try:
        with transaction.atomic():
            row = Welcome.objects.create(tenant=tenant, discord_user_id=discord_user_id)
    except IntegrityError:
        return False
    after_commit("welcome_send", tenant.pk, row.pk)
    return True


def catalogue_link(tenant: Tenant) -> str:
    """A link to the shop's first product post (by catalogue order), "" when none is posted."""
    post = (ProductPost.objects.for_tenant(tenant).exclude(message_id="")
            .filter(product__is_active=True)
            .order_by("product__sort_order", "product_id", "pk").first())
    if post is None or not tenant.discord_guild_id:
        return ""
    return f"{DISCORD_WEB}/{tenant.discord_guild_id}/{post.channel_id}/{post.message_id}"


def welcome_text(tenant: Tenant, user_id: str, *, mention: bool) -> str:
    with override(tenant.locale):
        hello = gettext("Welcome to %(shop)s!") % {"shop": tenant.name}
        if mention:
            hello = f"<@{user_id}> {hello}"
        link = catalogue_link(tenant)
        more = (gettext("See what we sell: %(link)s") % {"link": link}) if link else \
            gettext("Type /loja to see what we sell.")
    return f"{hello}\n{more}"


def welcome_send(*, tenant_id: int, welcome_id: int) -> str:
    claimed = Welcome.objects.for_tenant(tenant_id).filter(
        pk=welcome_id, state=Welcome.State.PENDING).update(state=Welcome.State.SENT)
    if not claimed:
        return ""
    row = Welcome.objects.for_tenant(tenant_id).get(pk=welcome_id)
    tenant = Tenant.objects.get(pk=tenant_id)
    channel = settings_for(tenant).welcome_channel_id
    token = bot_token(tenant)
    try:
        if channel:
            discord_rest.send_message(token=token, channel_id=channel,
                                      content=welcome_text(tenant, row.discord_user_id,
                                                           mention=True),
                                      mention=row.discord_user_id)
        else:
            discord_rest.send_dm(token=token, user_id=row.discord_user_id,
                                 content=welcome_text(tenant, row.discord_user_id,
                                                      mention=False))
    except discord_rest.DiscordError as exc:
        # A welcome is a courtesy: one try, recorded; never a flood of retries.
        Welcome.objects.for_tenant(tenant_id).filter(pk=row.pk).update(
            state=Welcome.State.FAILED)
        return f"failed:{exc.code}"
    return "sent"
