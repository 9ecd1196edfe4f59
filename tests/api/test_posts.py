"""GET posts/?needs_refresh=1: the shop's own posts whose product changed, with fresh payloads."""

from __future__ import annotations

import pytest

from catalog.models import ProductPost
from catalog.services import post_record, product_set_active, variant_save
from tests.sales import factories as f

pytestmark = pytest.mark.django_db


def test_posts_needing_refresh_and_recording_clears_them(bot, shop, other_shop):
    prod = f.product(shop.tenant, name="Atual")
    variant = f.variant(prod, price_cents=1000, keys=1)
    quiet = f.product(shop.tenant, name="Quieto")
    f.variant(quiet, keys=1)
    post_record(product=prod, channel_id="10", message_id="11")
    post_record(product=quiet, channel_id="10", message_id="12")
    theirs = f.product(other_shop.tenant, name="Deles")
    f.variant(theirs, keys=1)
    post_record(product=theirs, channel_id="20", message_id="21")
    ProductPost.objects.unscoped().filter(product=theirs).update(needs_refresh=True)

    assert bot.get("posts/?needs_refresh=1").json() == {"posts": []}
    variant_save(product=prod, actor=shop.owner, variant=variant, price_cents=1500)
    [post] = bot.get("posts/?needs_refresh=1").json()["posts"]
    assert (post["product_id"], post["channel_id"], post["message_id"]) == (prod.pk, "10", "11")
    assert post["product"]["variants"][0]["price_cents"] == 1500
    assert len(bot.get("posts/").json()["posts"]) == 2  # all of ours, none of theirs

    bot.put(f"products/{prod.pk}/posts/", {"channel_id": "10", "message_id": "11"})
    assert bot.get("posts/?needs_refresh=1").json() == {"posts": []}

    product_set_active(product=prod, actor=shop.owner, active=False)
    [post] = bot.get("posts/?needs_refresh=1").json()["posts"]
    assert post["product"] is None
